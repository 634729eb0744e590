/**
 * The subset of SQLite the thread registry uses, over either driver: Node's built-in `node:sqlite`
 * (DatabaseSync, Node 22.5 and later: no native build to install) or better-sqlite3 (Node 20). Both open
 * the same SQLite file format, so a registry written by one is read by the other.
 */

/** Which library holds the connection. */
export type SqliteDriver = "node:sqlite" | "better-sqlite3";

/**
 * A prepared statement. Positional parameters are passed as arguments; named ones (`@name` in the SQL)
 * as one object whose keys are exactly the statement's names, without the `@` (node:sqlite before 22.15
 * refuses any other key).
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  /** The first row, or undefined. */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  readonly driver: SqliteDriver;
  prepare(sql: string): SqliteStatement;
  /** Runs one or more statements that return nothing (DDL, BEGIN/COMMIT). */
  exec(sql: string): void;
  /** `PRAGMA <setting>`, e.g. `journal_mode = WAL`. */
  pragma(setting: string): void;
  /** The value of `PRAGMA <name>` (its first column), e.g. `user_version`. */
  pragmaValue(name: string): unknown;
  close(): void;
}

export interface SqliteTransaction<A extends unknown[], R> {
  /** BEGIN IMMEDIATE: takes the write lock first (waiting up to the busy timeout), so a writer never deadlocks. */
  immediate(...args: A): R;
  /** BEGIN DEFERRED: a consistent read snapshot. */
  deferred(...args: A): R;
}

const depths = new WeakMap<SqliteDatabase, number>();

/**
 * Wraps `fn` in a transaction: COMMIT when it returns, ROLLBACK when it throws (the error is rethrown). A
 * transaction started inside another becomes a SAVEPOINT, as with better-sqlite3's own `transaction`.
 */
export function transaction<A extends unknown[], R>(
  db: SqliteDatabase,
  fn: (...args: A) => R,
): SqliteTransaction<A, R> {
  const run =
    (mode: "IMMEDIATE" | "DEFERRED") =>
    (...args: A): R => {
      const depth = depths.get(db) ?? 0;
      const savepoint = `kiwi_tx_${depth}`;
      db.exec(depth === 0 ? `BEGIN ${mode}` : `SAVEPOINT ${savepoint}`);
      depths.set(db, depth + 1);
      let result: R;
      try {
        result = fn(...args);
      } catch (err) {
        depths.set(db, depth);
        undo(db, depth === 0 ? "ROLLBACK" : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
        throw err;
      }
      depths.set(db, depth);
      try {
        db.exec(depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
      } catch (err) {
        // A failed COMMIT (SQLITE_BUSY…) can leave the transaction open: end it so the connection is usable.
        if (depth === 0) undo(db, "ROLLBACK");
        throw err;
      }
      return result;
    };
  return { immediate: run("IMMEDIATE"), deferred: run("DEFERRED") };
}

function undo(db: SqliteDatabase, sql: string): void {
  try {
    db.exec(sql);
  } catch {
    // SQLite already rolled the transaction back (some errors do): nothing is left to undo.
  }
}
