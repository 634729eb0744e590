import { KiwiError } from "@kiwi/spec";
import { openBetterSqlite3 } from "./better-sqlite";
import { nodeSqlite, openNodeSqlite } from "./node-sqlite";
import type { SqliteDatabase, SqliteDriver } from "./sqlite-database";

export interface OpenSqliteOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs: number;
  readonly readonly?: boolean;
  /** Default: node:sqlite when this Node has it, else better-sqlite3. */
  readonly driver?: SqliteDriver;
  /** Where better-sqlite3 is resolved from (default: this package). */
  readonly betterSqlite3From?: string;
}

/** The driver `openSqlite` uses by default on this Node. */
export function defaultSqliteDriver(): SqliteDriver {
  return nodeSqlite() ? "node:sqlite" : "better-sqlite3";
}

/**
 * Opens a SQLite file: with Node's built-in node:sqlite where it exists (no native build to install,
 * nothing for pnpm to approve), with better-sqlite3 on Node 20. The file format is SQLite's either way.
 */
export function openSqlite(file: string, options: OpenSqliteOptions): SqliteDatabase {
  const driver = options.driver ?? defaultSqliteDriver();
  if (driver === "better-sqlite3") {
    return openBetterSqlite3(file, {
      busyTimeoutMs: options.busyTimeoutMs,
      readonly: options.readonly,
      from: options.betterSqlite3From,
    });
  }
  const sqlite = nodeSqlite();
  if (!sqlite) {
    throw new KiwiError({
      code: "REGISTRY_UNAVAILABLE",
      message: `the thread registry ${file} was asked to use node:sqlite, which Node ${process.version} does not have (it needs Node 22.13 or later): use better-sqlite3`,
      context: { file, driver, node: process.version },
    });
  }
  return openNodeSqlite(sqlite, file, options);
}
