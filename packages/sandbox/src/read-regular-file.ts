import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { type FileHandle, lstat, open, stat } from "node:fs/promises";
import type { KiwiError } from "@kiwi/spec";
import { fsFailure } from "./fs-failure";
import { pathError } from "./path-error";
import { specialFileError } from "./special-file-error";

export interface ReadRegularFileOptions {
  /** Largest file accepted; a bigger one is FILE_TOO_LARGE, never truncated silently. */
  readonly maxBytes: number;
  /**
   * Follow a symbolic link at the last component (default false: a link there is refused,
   * PATH_OUTSIDE_PROJECT/symlink_escape). Settings files such as `.env` may legitimately be links; items
   * never are. What is finally opened must be a regular file either way.
   */
  readonly followLinks?: boolean;
  /** How the file is named in errors (default the path itself). */
  readonly label?: string;
}

/** A regular file's bytes and the fstat of the descriptor they were read from (its identity). */
export interface RegularFile {
  readonly bytes: Buffer;
  readonly stats: Stats;
}

const CHUNK = 64 * 1024;

/** Nothing at the path: no such file, or a component of it is a file, not a folder. */
function isAbsent(error: unknown): boolean {
  const e = error as KiwiError;
  return e.code === "PATH_NOT_FOUND" || (e.code === "PATH_INVALID" && e.context?.reason === "not_directory");
}

function openFlags(followLinks: boolean): number {
  // O_NONBLOCK: a FIFO swapped in after the type check opens at once instead of waiting for a writer,
  // and is then refused by the fstat check below. On a regular file the flag changes nothing.
  return constants.O_RDONLY | constants.O_NONBLOCK | (followLinks ? 0 : (constants.O_NOFOLLOW ?? 0));
}

/** The refusal for what the type check or fstat found, or undefined for a regular file. */
function typeProblem(info: Stats, label: string, followLinks: boolean): KiwiError | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory())
    return pathError("PATH_INVALID", "is_directory", label, "the path is a directory; name a file");
  if (info.isSymbolicLink() && !followLinks)
    return pathError(
      "PATH_OUTSIDE_PROJECT",
      "symlink_escape",
      label,
      "the path is a symbolic link, which this file is never read through; put the file itself there",
    );
  return specialFileError(label);
}

function tooLarge(label: string, maxBytes: number): KiwiError {
  return pathError(
    "FILE_TOO_LARGE",
    "too_large",
    label,
    `the file is larger than ${maxBytes} bytes; make it smaller`,
    { maxBytes },
  );
}

/**
 * Reads a regular file without ever blocking, for every file Kiwi reads from a project or user space that
 * is not confined to a root by `readFileInRoot` (items, `AGENTS.md`, `.env`, `package.json`, manifests).
 * The type is checked before the file is opened (lstat, or stat with `followLinks`): a FIFO, socket or
 * device is PATH_SPECIAL_FILE without being opened. The open is O_NONBLOCK (and O_NOFOLLOW unless
 * `followLinks`) and the descriptor is checked again with fstat, so a FIFO swapped in between is refused
 * too, never waited on. The size cap holds while the file grows. A missing file is PATH_NOT_FOUND.
 */
export async function readRegularFile(file: string, options: ReadRegularFileOptions): Promise<RegularFile> {
  const label = options.label ?? file;
  const follow = options.followLinks === true;
  const before = await (follow ? stat(file) : lstat(file)).catch((error: unknown) => {
    throw fsFailure(error, label);
  });
  const early = typeProblem(before, label, follow);
  if (early) throw early;
  if (before.size > options.maxBytes) throw tooLarge(label, options.maxBytes);
  let handle: FileHandle;
  try {
    handle = await open(file, openFlags(follow));
  } catch (error) {
    throw fsFailure(error, label);
  }
  try {
    const stats = await handle.stat();
    const late = typeProblem(stats, label, follow);
    if (late) throw late;
    if (stats.size > options.maxBytes) throw tooLarge(label, options.maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK, options.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) throw tooLarge(label, options.maxBytes);
    }
    return { bytes: Buffer.concat(chunks, total), stats };
  } finally {
    await handle.close();
  }
}

/** `readRegularFile`, or undefined when nothing is at the path (any other refusal still throws). */
export async function readRegularFileIfExists(
  file: string,
  options: ReadRegularFileOptions,
): Promise<RegularFile | undefined> {
  try {
    return await readRegularFile(file, options);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

/**
 * `readRegularFile`, synchronously, for callers that are (settings resolved when a kernel is made, the
 * item cache, which avoids four thread-pool round trips per small file). The same checks in the same order.
 */
export function readRegularFileSync(file: string, options: ReadRegularFileOptions): RegularFile {
  const label = options.label ?? file;
  const follow = options.followLinks === true;
  let before: Stats;
  try {
    before = follow ? statSync(file) : lstatSync(file);
  } catch (error) {
    throw fsFailure(error, label);
  }
  const early = typeProblem(before, label, follow);
  if (early) throw early;
  if (before.size > options.maxBytes) throw tooLarge(label, options.maxBytes);
  let fd: number;
  try {
    fd = openSync(file, openFlags(follow));
  } catch (error) {
    throw fsFailure(error, label);
  }
  try {
    const stats = fstatSync(fd);
    const late = typeProblem(stats, label, follow);
    if (late) throw late;
    if (stats.size > options.maxBytes) throw tooLarge(label, options.maxBytes);
    // The stated size plus one byte, so growth past the cap shows; grown further if the file grows.
    let buffer = Buffer.alloc(Math.min(stats.size + 1, options.maxBytes + 1));
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > options.maxBytes) throw tooLarge(label, options.maxBytes);
        const grown = Buffer.alloc(Math.min(buffer.length * 2, options.maxBytes + 1));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > options.maxBytes) throw tooLarge(label, options.maxBytes);
    return { bytes: buffer.subarray(0, total), stats };
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFileSync`, or undefined when nothing is at the path (any other refusal still throws). */
export function readRegularFileSyncIfExists(
  file: string,
  options: ReadRegularFileOptions,
): RegularFile | undefined {
  try {
    return readRegularFileSync(file, options);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}
