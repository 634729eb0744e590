import { closeSync, fstatSync, ftruncateSync, openSync, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { assertOpenedInside } from "./assert-opened-inside";
import { openDirAnchored } from "./open-dir-anchored";
import {
  type PreparedWrite,
  type PrepareWriteInRootOptions,
  prepareWriteInRoot,
} from "./prepare-write-in-root";
import { withPathErrors } from "./with-path-errors";
import { assertWritableFile, openFailure, writableFileFlags } from "./writable-file";

export interface OpenFileInRootOptions extends Omit<PrepareWriteInRootOptions, "replaceLink"> {
  /** Append (O_APPEND) to what is there; otherwise the file is truncated, only after every check passed. */
  readonly append?: boolean;
  /** Mode of a new file (before the umask; default 0o666). */
  readonly mode?: number;
}

export interface OpenedFile {
  /** Open for writing (and appending when asked); the caller closes it. */
  readonly handle: FileHandle;
  /** Absolute path of the file: its parent is the real directory that was checked. */
  readonly abs: string;
  /** The canonical project-relative path. */
  readonly rel: string;
  /** The real parent directory. */
  readonly parent: string;
  /** Size after opening (0 when truncated): the length to roll back to when a later write fails halfway. */
  readonly size: number;
  /** Directories created for it, outermost first. */
  readonly created: readonly string[];
}

/**
 * Opens a file inside the project for writing in place (a stream record, a log), for writers that cannot
 * publish a whole file at once by rename as writeFileInRoot does. The path goes through
 * prepareWriteInRoot (resolution, protected paths, parents checked before they are created); the file
 * is then opened through its anchored parent directory with O_NOFOLLOW and O_NONBLOCK, and what was
 * opened must be a regular file with a single link, inside the root. Truncation happens only after
 * those checks, so a refused path is never emptied.
 */
export function openFileInRoot(options: OpenFileInRootOptions): Promise<OpenedFile> {
  return withPathErrors(options.rel, () => openUnchecked(options));
}

/** What openFdInRoot returns: OpenedFile with a plain descriptor in place of the FileHandle. */
export interface OpenedFd extends Omit<OpenedFile, "handle"> {
  /** Open for writing (and appending when asked); the caller closes it (closeSync). */
  readonly fd: number;
  /** The opened file's permission bits (fstat of the descriptor). */
  readonly mode: number;
}

/**
 * openFileInRoot with a plain descriptor, opened synchronously: the same resolution, protected paths,
 * anchored O_NOFOLLOW | O_NONBLOCK open and checks, for writers that write synchronously (a stream
 * record written once per batch costs less as one write(2) than as thread-pool round trips for the
 * open, each write and the close).
 */
export function openFdInRoot(options: OpenFileInRootOptions): Promise<OpenedFd> {
  return withPathErrors(options.rel, async () => {
    const target = await prepareWriteInRoot(options);
    const fd = await openAnchored(target, options, (path, flags, mode) => openSync(path, flags, mode));
    try {
      const info = checkOpened(fd, fstatSync(fd), target, options.rel);
      if (options.append !== true) ftruncateSync(fd, 0);
      return { fd, mode: info.mode & 0o7777, ...fields(target, info, options.append === true) };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  });
}

/** Opens the prepared target's name through its anchored parent (a link planted since fails the open). */
async function openAnchored<T>(
  target: PreparedWrite,
  options: OpenFileInRootOptions,
  open: (path: string, flags: number, mode: number) => T | Promise<T>,
): Promise<T> {
  const dir = await openDirAnchored(target.realRoot, target.parent, options.rel);
  try {
    return await open(
      dir.child(target.name),
      writableFileFlags({ append: options.append === true }),
      options.mode ?? 0o666,
    );
  } catch (error) {
    throw openFailure(error, options.rel);
  } finally {
    await dir.close();
  }
}

/** What was opened must be a regular file with one link, inside the root. */
function checkOpened(fd: number, info: Stats, target: PreparedWrite, rel: string): Stats {
  assertWritableFile(info, rel);
  assertOpenedInside({ fd }, target.realRoot, target.abs, rel);
  return info;
}

function fields(target: PreparedWrite, info: Stats, append: boolean) {
  return {
    abs: target.abs,
    rel: target.rel,
    parent: target.parent,
    size: append ? info.size : 0,
    created: target.created,
  };
}

async function openUnchecked(options: OpenFileInRootOptions): Promise<OpenedFile> {
  const target = await prepareWriteInRoot(options);
  const handle: FileHandle = await openAnchored(target, options, open);
  try {
    const info = checkOpened(handle.fd, fstatSync(handle.fd), target, options.rel);
    if (options.append !== true) await handle.truncate(0);
    return { handle, ...fields(target, info, options.append === true) };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}
