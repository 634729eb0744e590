import { createRequire } from "node:module";
import { dirname } from "node:path";
import { KiwiError } from "@kiwi/spec";
import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "./sqlite-database";

/** What to run when pnpm skipped better-sqlite3's build, said once for every message that needs it. */
export const APPROVE_BUILD_HINT =
  'pnpm 10 skips dependency build scripts unless approved: run `pnpm approve-builds` and approve better-sqlite3 (`pnpm approve-builds -g` for a global install), or add "pnpm": {"onlyBuiltDependencies": ["better-sqlite3"]} to the project\'s package.json, then reinstall (`pnpm rebuild better-sqlite3`); with npm, `npm install-scripts approve better-sqlite3` if npm skipped its install script (`npm install -g --allow-scripts=better-sqlite3` for a global install), then `npm rebuild better-sqlite3`';

/** Node 22.13 and later (and 24) load node:sqlite without a flag: no native build at all. */
const NODE_SQLITE_HINT =
  "or run Kiwi on Node 22.13 or later, whose built-in node:sqlite needs no native build";

type Reason = "not_installed" | "missing_binding" | "wrong_binding";

function unavailable(file: string, reason: Reason, detail: string, cause: unknown): KiwiError {
  return new KiwiError({
    code: "REGISTRY_UNAVAILABLE",
    message: `the thread registry ${file} needs SQLite: ${detail}`,
    context: { file, driver: "better-sqlite3", reason, node: process.version },
    cause,
  });
}

/** True when a failure to open came from loading better-sqlite3's compiled addon, not from the file. */
function bindingFailure(err: unknown): Reason | undefined {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : "";
  // The `bindings` package throws this when build/Release/better_sqlite3.node (or any place it tries) is absent.
  if (text.includes("Could not locate the bindings file")) return "missing_binding";
  if (code === "ERR_DLOPEN_FAILED" || /NODE_MODULE_VERSION|better_sqlite3\.node/.test(text))
    return "wrong_binding";
  return undefined;
}

/**
 * Opens `file` with better-sqlite3, resolved from this package (or `from`, a file or folder URL/path to
 * resolve it from). A missing package, a binding that was never built (pnpm 10 without approval) or one
 * built for another Node is REGISTRY_UNAVAILABLE saying what to run; any other error is SQLite's own.
 */
export function openBetterSqlite3(
  file: string,
  options: { busyTimeoutMs: number; readonly?: boolean; from?: string },
): SqliteDatabase {
  const require = createRequire(options.from ?? import.meta.url);
  let Database: typeof BetterSqlite3;
  try {
    Database = require("better-sqlite3") as typeof BetterSqlite3;
  } catch (err) {
    if ((err as { code?: unknown }).code !== "MODULE_NOT_FOUND") throw err;
    throw unavailable(
      file,
      "not_installed",
      `Node ${process.version} has no built-in node:sqlite and better-sqlite3 is not installed next to @kiwi/threads: install it (\`npm install better-sqlite3\`, \`pnpm add better-sqlite3\`), ${NODE_SQLITE_HINT}`,
      err,
    );
  }
  let db: BetterSqlite3.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs, readonly: options.readonly === true });
  } catch (err) {
    const reason = bindingFailure(err);
    if (!reason) throw err;
    let where = "better-sqlite3";
    try {
      where = dirname(require.resolve("better-sqlite3/package.json"));
    } catch {
      // the message still names the package
    }
    const detail =
      reason === "missing_binding"
        ? `Node ${process.version} has no built-in node:sqlite, and better-sqlite3's native binding was never built (no build/Release/better_sqlite3.node in ${where}). ${APPROVE_BUILD_HINT}; ${NODE_SQLITE_HINT}`
        : `Node ${process.version} has no built-in node:sqlite, and better-sqlite3's native binding in ${where} does not load here (${(err as Error).message.split("\n")[0]}): it was built for another Node version or platform; rebuild it with \`npm rebuild better-sqlite3\` (\`pnpm rebuild better-sqlite3\`), ${NODE_SQLITE_HINT}`;
    throw unavailable(file, reason, detail, err);
  }
  return {
    driver: "better-sqlite3",
    prepare: (sql) => db.prepare(sql),
    exec: (sql) => {
      db.exec(sql);
    },
    pragma: (setting) => {
      db.pragma(setting);
    },
    pragmaValue: (name) => db.pragma(name, { simple: true }),
    close: () => {
      db.close();
    },
  };
}
