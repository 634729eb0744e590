import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "./index";

// The list is kept true against the code that emits: every package's and first-party plugin's sources.
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const ROOTS = ["packages", "plugins"];
const SKIPPED_DIRS = new Set(["node_modules", "dist", "__fixtures__", "test-fixtures"]);

/**
 * SCREAMING_SNAKE literals in the sources that are not Kiwi error codes. Keep each entry explained: a
 * code emitted by Kiwi belongs in ErrorCode, not here.
 */
const NOT_CODES: Readonly<Record<string, string>> = {
  ANTHROPIC_API_KEY: "environment variable",
  ANTHROPIC_BASE_URL: "environment variable",
  OPENAI_API_KEY: "environment variable",
  OPENAI_BASE_URL: "environment variable",
  LC_ALL: "environment variable",
  REF_API_KEY: "environment variable (the testing kit's reference provider)",
  REF_BASE_URL: "environment variable (the testing kit's reference provider)",
  SQLITE_BUSY: "better-sqlite3's error code, read",
  SQLITE_LOCKED: "better-sqlite3's error code, read",
  SQLITE_CONSTRAINT_PRIMARYKEY: "better-sqlite3's error code, read",
  DUPLICATE_KEY: "the yaml library's error code, read",
  ECONNECT_TIMEOUT:
    "an errno-style code the node:http transport sets on its own socket error, mapped to TIMEOUT",
  ERR_PARSE_ARGS: "node:util parseArgs's error code prefix, read",
  ERR_DLOPEN_FAILED: "Node's error code for a native addon that does not load, read",
  MODULE_NOT_FOUND: "Node's error code for a missing package, read",
  ERR_MODULE_NOT_FOUND: "Node's error code for a missing ES module, read",
  KIWI_COMPACT_AT: "environment variable",
  STREAM_ENDED_MID_EVENT: "a `reason` of STREAM_INCOMPLETE, not a code",
};

/** Node's errno codes (`ENOENT`, `EPERM`, …): read from system errors, and faked by test helpers. */
const ERRNO = /^E[A-Z0-9]+$/;

/**
 * Quoted literals that are entirely SCREAMING_SNAKE with at least one underscore: a code wherever they
 * occur (a `code:` property, a helper's argument, a constant).
 */
const SNAKE_LITERAL = /(["'`])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\1/g;
/** Whole comment lines, dropped before scanning: their backticks quote identifiers, not strings. */
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*).*$/gm;
/** Any upper-case literal given as a `code` (one-word codes such as TIMEOUT only show up this way). */
const CODE_PROPERTY = /\bcode\s*[:=]\s*(["'`])([A-Z][A-Z0-9_]*)\1/g;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) sourceFiles(join(dir, entry.name), out);
    } else if (/\.ts$/.test(entry.name) && !/\.(test|bench)\.ts$/.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

function scan(): { files: string[]; found: Map<string, Set<string>> } {
  const files: string[] = [];
  for (const root of ROOTS) {
    for (const pkg of readdirSync(join(REPO, root), { withFileTypes: true })) {
      const src = join(REPO, root, pkg.name, "src");
      if (pkg.isDirectory() && statSync(src, { throwIfNoEntry: false })?.isDirectory())
        sourceFiles(src, files);
    }
  }
  const found = new Map<string, Set<string>>();
  for (const file of files) {
    const text = readFileSync(file, "utf8").replace(COMMENT_LINE, "");
    for (const pattern of [SNAKE_LITERAL, CODE_PROPERTY]) {
      for (const m of text.matchAll(pattern)) {
        const literal = m[2]!;
        const where = found.get(literal) ?? new Set<string>();
        where.add(relative(REPO, file));
        found.set(literal, where);
      }
    }
  }
  return { files, found };
}

const known = new Set<string>(Object.values(ErrorCode));

describe("ErrorCode", () => {
  const { files, found } = scan();

  it("scans the sources of every package and first-party plugin", () => {
    const packages = new Set(files.map((f) => relative(REPO, f).split(/[\\/]/).slice(0, 2).join("/")));
    for (const pkg of ["packages/spec", "packages/kernel", "packages/primitives", "packages/threads"]) {
      expect(packages).toContain(pkg);
    }
    expect([...packages].some((p) => p.startsWith("plugins/"))).toBe(true);
    expect(files.length).toBeGreaterThan(150);
  });

  it("finds codes in each form they are emitted in", () => {
    // A `code:` property, one-word codes, and codes handed to a helper as an argument.
    for (const code of ["MODEL_ERROR", "TIMEOUT", "ABORTED", "HTTP_ERROR", "PATH_INVALID", "UNKNOWN_TOOL"]) {
      expect(found.has(code), `${code} is emitted but the scan did not find it`).toBe(true);
    }
  });

  it("lists every code the packages emit", () => {
    const missing = [...found]
      .filter(([literal]) => !known.has(literal) && !(literal in NOT_CODES) && !ERRNO.test(literal))
      .map(([literal, where]) => `${literal} (${[...where].join(", ")})`);
    expect(missing, "add these codes to ErrorCode (or, when not a code, to NOT_CODES)").toEqual([]);
  });

  it("keeps NOT_CODES free of listed codes and of names no source uses", () => {
    for (const literal of Object.keys(NOT_CODES)) {
      expect(known.has(literal), `${literal} is a listed code`).toBe(false);
      expect(found.has(literal), `${literal} no longer occurs: remove it from NOT_CODES`).toBe(true);
    }
  });

  it("maps each name to itself", () => {
    for (const [name, value] of Object.entries(ErrorCode)) expect(value).toBe(name);
  });

  it("is documented in the package README", () => {
    const readme = readFileSync(join(REPO, "packages/spec/README.md"), "utf8");
    const undocumented = [...known].filter((code) => !readme.includes(`\`${code}\``));
    expect(undocumented).toEqual([]);
  });
});
