import { fstatSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { assertOpenedInside } from "./assert-opened-inside";
import { openDirAnchored } from "./open-dir-anchored";
import { type PrepareWriteInRootOptions, prepareWriteInRoot } from "./prepare-write-in-root";
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

async function openUnchecked(options: OpenFileInRootOptions): Promise<OpenedFile> {
  const { rel, append = false } = options;
  const target = await prepareWriteInRoot(options);
  const dir = await openDirAnchored(target.realRoot, target.parent, rel);
  let handle: FileHandle;
  try {
    handle = await open(dir.child(target.name), writableFileFlags({ append }), options.mode ?? 0o666);
  } catch (error) {
    throw openFailure(error, rel);
  } finally {
    await dir.close();
  }
  try {
    const info = fstatSync(handle.fd);
    assertWritableFile(info, rel);
    assertOpenedInside(handle, target.realRoot, target.abs, rel);
    if (!append) await handle.truncate(0);
    return {
      handle,
      abs: target.abs,
      rel: target.rel,
      parent: target.parent,
      size: append ? info.size : 0,
      created: target.created,
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}
