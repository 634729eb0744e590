import { closeSync, constants, type Dirent, fstatSync, lstatSync, openSync, realpathSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { fsFailure } from "./fs-failure";
import { isInside } from "./is-inside";
import { openedPath } from "./opened-path";
import { pathError } from "./path-error";

/** A directory held open, through which names are reached without walking the path again. */
export interface AnchoredDir {
  /** A path naming `name` inside exactly the directory that was opened (see below). */
  child(name: string): string;
  /** Its entries, read from the opened directory itself. */
  list(): Promise<Dirent[]>;
  close(): Promise<void>;
}

/**
 * Opens the real directory `dirAbs` with O_DIRECTORY | O_NOFOLLOW and proves it is the directory that
 * was validated. On Linux, names are then reached through `/proc/self/fd/<fd>/<name>`, which the
 * kernel resolves from the open directory itself — the same guarantee as openat/unlinkat/renameat,
 * which Node does not expose — so swapping a parent directory for a symlink after validation cannot
 * redirect a create, rename, unlink or listing. Elsewhere the plain path is used and the directory's
 * identity re-checked around each listing: a narrower race, documented as residual. Opening and
 * checking are synchronous (local metadata calls, cheaper than their thread-pool round trips).
 */
export async function openDirAnchored(realRoot: string, dirAbs: string, rel: string): Promise<AnchoredDir> {
  let fd: number;
  try {
    fd = openSync(dirAbs, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    throw fsFailure(error, rel);
  }
  const moved = () =>
    pathError(
      "PATH_OUTSIDE_PROJECT",
      "symlink_escape",
      rel,
      "a directory on the path was replaced or moved during the operation; Kiwi refused it. Check the path and retry",
    );
  const sameAsPath = () => {
    const held = fstatSync(fd);
    const now = lstatSync(dirAbs);
    const real = realpathSync.native(dirAbs);
    return real === dirAbs && isInside(realRoot, real) && now.dev === held.dev && now.ino === held.ino;
  };
  let opened: string | undefined;
  try {
    opened = openedPath(fd);
    const ok = opened !== undefined ? opened === dirAbs && isInside(realRoot, opened) : sameAsPath();
    if (!ok) throw moved();
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const base = opened !== undefined ? `/proc/self/fd/${fd}` : dirAbs;
  let closed = false;
  return {
    child: (name) => `${base}/${name}`,
    list: async () => {
      const entries = await readdir(base, { withFileTypes: true });
      if (opened === undefined && !sameAsPath()) throw moved();
      return entries;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
