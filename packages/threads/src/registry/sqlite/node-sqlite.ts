import { createRequire } from "node:module";
import { sqliteCodeName } from "./sqlite-codes";
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database";

// The part of node:sqlite used here, declared locally: the @types/node this package builds with (Node 20)
// has no node:sqlite.
interface NodeStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
}
export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NodeDatabase;
}

let cached: NodeSqliteModule | null | undefined;

/**
 * Node's built-in SQLite when this Node has it: 22.13 and later, 24, or 22.5–22.12 started with
 * --experimental-sqlite. Undefined on Node 20.
 */
export function nodeSqlite(): NodeSqliteModule | undefined {
  if (cached === undefined) cached = load();
  return cached ?? undefined;
}

function load(): NodeSqliteModule | null {
  const emit = process.emitWarning;
  // Node 22 and 24 print "ExperimentalWarning: SQLite is an experimental feature" the first time
  // node:sqlite loads. The registry uses only its settled core (open, prepare, run/get/all, exec), and a
  // warning on every `kiwi` command would be noise: that one warning is dropped, every other passes.
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && text.startsWith("SQLite is an experimental feature")) return;
    return (emit as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)("node:sqlite") as NodeSqliteModule;
  } catch {
    return null; // ERR_UNKNOWN_BUILTIN_MODULE: Node 20, or 22.5–22.12 without the flag
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * node:sqlite reports every SQLite failure as ERR_SQLITE_ERROR with the result code in `errcode`; the
 * registry (like better-sqlite3) tells failures apart by name, so the name goes in `code`.
 */
function withSqliteCode(err: unknown): unknown {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode !== "number") return err;
  const named = new Error((err as Error).message, { cause: err }) as Error & {
    code: string;
    errcode: number;
  };
  named.code = sqliteCodeName(errcode);
  named.errcode = errcode;
  return named;
}

function statement(stmt: NodeStatement): SqliteStatement {
  return {
    run(...params) {
      try {
        return stmt.run(...params);
      } catch (err) {
        throw withSqliteCode(err);
      }
    },
    get(...params) {
      try {
        return stmt.get(...params);
      } catch (err) {
        throw withSqliteCode(err);
      }
    },
    all(...params) {
      try {
        return stmt.all(...params);
      } catch (err) {
        throw withSqliteCode(err);
      }
    },
  };
}

/** Opens `file` with node:sqlite and sets the busy timeout before anything else touches the file. */
export function openNodeSqlite(
  sqlite: NodeSqliteModule,
  file: string,
  options: { busyTimeoutMs: number; readonly?: boolean },
): SqliteDatabase {
  let db: NodeDatabase;
  try {
    db = new sqlite.DatabaseSync(file, options.readonly ? { readOnly: true } : {});
  } catch (err) {
    throw withSqliteCode(err);
  }
  const exec = (sql: string) => {
    try {
      db.exec(sql);
    } catch (err) {
      throw withSqliteCode(err);
    }
  };
  const prepare = (sql: string) => {
    try {
      return statement(db.prepare(sql));
    } catch (err) {
      throw withSqliteCode(err);
    }
  };
  const database: SqliteDatabase = {
    driver: "node:sqlite",
    prepare,
    exec,
    pragma: (setting) => exec(`PRAGMA ${setting}`),
    pragmaValue(name) {
      const row = prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
      return row ? Object.values(row)[0] : undefined;
    },
    close: () => db.close(),
  };
  try {
    database.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return database;
}
