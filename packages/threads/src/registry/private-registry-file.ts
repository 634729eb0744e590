import { chmodSync, closeSync, constants, lstatSync, openSync } from "node:fs";

/** SQLite's files beside the database: they hold the same rows (and SQLite gives them its mode). */
export const COMPANIONS = ["", "-wal", "-shm", "-journal"];

/**
 * Makes the registry file the person's alone before SQLite opens it: created empty with mode 0600 when
 * missing (SQLite then gives its `-wal` and `-shm` files the same mode), and an existing database or
 * companion file that others may read narrowed to 0600. A symbolic link is left as it is (never followed
 * to change another file's mode).
 */
export function privateRegistryFile(file: string): void {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  for (const suffix of COMPANIONS) {
    let mode: number;
    try {
      const info = lstatSync(file + suffix);
      if (!info.isFile()) continue;
      mode = info.mode;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) chmodSync(file + suffix, mode & 0o700);
  }
}
