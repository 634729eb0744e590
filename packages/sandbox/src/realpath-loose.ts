import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, sep } from "node:path";
import { errnoOf } from "./errno-of";
import { MAX_SYMLINK_HOPS } from "./path-limits";

export interface LooseRealpath {
  /** Where the path leads: realpath of its deepest existing ancestor plus the missing names. */
  readonly real: string;
  /** Whether the whole path exists. */
  readonly exists: boolean;
}

/** Raised for a link chain that loops or is longer than MAX_SYMLINK_HOPS; other errors pass through. */
export class SymlinkLoopError extends Error {}

/**
 * realpath() for paths that may not exist yet, including dangling links: a dangling link is followed by
 * reading it, so `src/x -> ../../outside/created.txt` resolves to the outside file it WOULD create
 * (ENOENT is never taken to mean "nothing there, allowed": DesktopCommanderMCP#420).
 *
 * Link targets are appended without lexical normalisation: `sub/../x` must go through what `sub`
 * really is, which only the kernel (realpath/lstat) knows. Synchronous on purpose: a few metadata calls
 * on local paths cost less than their thread-pool round trips (the kernel's realpath, as the
 * asynchronous one uses).
 */
export function realpathLoose(path: string, hops = 0): LooseRealpath {
  try {
    return { real: realpathSync.native(path), exists: true };
  } catch (error) {
    const code = errnoOf(error);
    if (code === "ELOOP") throw new SymlinkLoopError("symbolic link loop");
    if (code !== "ENOENT") throw error;
  }
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") throw error;
  }
  if (isLink) {
    if (hops >= MAX_SYMLINK_HOPS) throw new SymlinkLoopError("symbolic link chain too long");
    const target = readlinkSync(path);
    return realpathLoose(isAbsolute(target) ? target : `${dirname(path)}${sep}${target}`, hops + 1);
  }
  const name = basename(path);
  const parent = dirname(path);
  // A missing `..` or `.` has no meaning to resolve; the kernel would refuse it too.
  if (parent === path || name === ".." || name === ".") {
    const enoent = new Error(`cannot resolve ${name}`) as Error & { code: string };
    enoent.code = "ENOENT";
    throw enoent;
  }
  const above = realpathLoose(parent, hops);
  return { real: join(above.real, name), exists: false };
}
