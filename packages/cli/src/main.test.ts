import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { main } from "./main";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const run = promisify(execFile);

async function kiwi(args: string[], opts: { cwd: string; userSpace: string }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const code = await main(args, {
    stdout,
    stderr,
    cwd: opts.cwd,
    env: { ...process.env, KIWI_USER_SPACE: opts.userSpace },
  });
  return { code, out, err };
}

async function setup() {
  const { projectRoot: project, userSpace } = await tempProject({ prefix: "kiwi-cli" });
  return { project, userSpace, k: (args: string[]) => kiwi(args, { cwd: project, userSpace }) };
}

describe("kiwi command line", () => {
  it("prints usage and exits 2 without a command, 2 for an unknown one", async () => {
    const { k } = await setup();
    expect((await k([])).code).toBe(2);
    const unknown = await k(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    expect((await k(["help"])).out).toContain("kiwi <command>");
  });

  it("searches the bundled core and runs a tool chain from the terminal", async () => {
    const { k } = await setup();
    const found = await k(["search", "tool", "greet", "--json"]);
    expect(found.code).toBe(0);
    const body = JSON.parse(found.out) as { results: { id: string; space: string }[] };
    expect(body.results.map((r) => r.id)).toContain("greet_team");
    const ran = await k(["run", "tool", "greet_team", "--params", '{"who":"Ada"}']);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.out)).toMatchObject({
      chain: ["greet_team", "greet_formal", "greet", "echo"],
      result: { config: { greeting: "Good day, Dr. Ada!" } },
    });
  });

  it("exits 1 with the error code when the operation fails, 2 for a bad --params", async () => {
    const { k } = await setup();
    const missing = await k(["run", "tool", "no_such_tool"]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toMatchObject({ success: false, error: { code: "ITEM_NOT_FOUND" } });
    const bad = await k(["run", "tool", "greet", "--params", "{nope"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--params must be a JSON object");
    expect((await k(["search", "widget", "x"])).code).toBe(2);
    const limit = await k(["search", "tool", "x", "--limit", "abc"]);
    expect(limit.code).toBe(2);
    expect(limit.err).toContain("--limit must be a whole number");
  });

  it("validates the library, lists unsigned items with their fix, and signs them", async () => {
    const { project, k } = await setup();
    await mkdir(join(project, ".ai/tools/mine"), { recursive: true });
    await writeFile(
      join(project, ".ai/tools/mine/hello.yaml"),
      'tool_id: hello\ntool_type: utility\nversion: "1.0.0"\ndescription: hi\nexecutor_id: echo\nrequires: none\n',
    );
    await writeFile(join(project, ".ai/tools/mine/broken.yaml"), "tool_id: broken\nversion: 1.0\n");
    const before = await k(["validate"]);
    expect(before.code).toBe(1);
    expect(before.out).toMatch(
      /✗ tool hello \(project:tools\/mine\/hello\.yaml\): unverified, INTEGRITY_MISMATCH/,
    );
    // Unsigned, so unverified (never parsed for search or a model); the person's validate also shows
    // what signing it would meet.
    expect(before.out).toMatch(/✗ tool broken .*unverified, INTEGRITY_MISMATCH/);
    expect(before.out).toMatch(/and signing it would fail, VALIDATION_FAILED/);
    const signed = await k(["sign", "tool", "*"]);
    expect(signed.code).toBe(0);
    expect(signed.out).toContain("signed 1/2 tools, 1 failed");
    const json = JSON.parse((await k(["validate", "--json"])).out) as {
      problems: { id: string; status: string; before_signing?: { code: string } }[];
    };
    expect(json.problems.map((p) => [p.id, p.status, p.before_signing?.code])).toEqual([
      ["broken", "unverified", "VALIDATION_FAILED"],
    ]);
  });

  it("reports an installed package whose kiwi field is unusable", async () => {
    const { project, k } = await setup();
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "app", dependencies: { "bad-plugin": "1.0.0" } }),
    );
    await mkdir(join(project, "node_modules/bad-plugin"), { recursive: true });
    await writeFile(
      join(project, "node_modules/bad-plugin/package.json"),
      JSON.stringify({ name: "bad-plugin", version: "1.0.0", kiwi: "items" }),
    );
    const r = await k(["validate"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ package bad-plugin: "kiwi" in package.json must be {"items": "<folder>"}');
  });
});

describe("kiwi binary", () => {
  it("refuses to serve without a project: exit 2, nothing on stdout", async () => {
    const cwd = (await tempProject({ prefix: "kiwi-cli" })).projectRoot;
    const result = await run(process.execPath, [BIN, "serve"], {
      cwd,
      env: { PATH: process.env.PATH ?? "" },
    }).catch((e) => e);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("--project");
  });

  it("runs the demo end to end against the bundled core", async () => {
    const { stdout } = await run(process.execPath, [BIN, "demo"], {
      env: { PATH: process.env.PATH ?? "", HOME: (await tempProject({ prefix: "kiwi-cli" })).home },
      timeout: 60_000,
    });
    expect(stdout).toContain("chain      greet_team → greet_formal → greet → echo");
    expect(stdout).toContain("refused    INTEGRITY_MISMATCH (modified)");
    expect(stdout).toContain("tools      execute, help, load, search");
    expect(stdout).toContain("result     Hello, MCP.");
  }, 60_000);
});
