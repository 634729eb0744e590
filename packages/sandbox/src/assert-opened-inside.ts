import { fstatSync, realpathSync, statSync } from "node:fs";
import { isInside } from "./is-inside";
import { openedPath } from "./opened-path";
import { pathError } from "./path-error";

/**
 * Proves that an open handle is a file inside the project, closing the gap between "the path checked
 * out" and "the file we opened": a directory swapped for a symlink after validation is caught here.
 * On Linux the kernel's own name for the descriptor is checked; elsewhere the path's realpath must be
 * inside and still be the same inode as the handle (a narrower, documented residual race).
 * Synchronous: a few metadata calls on a descriptor already open.
 */
export function assertOpenedInside(
  handle: { readonly fd: number },
  realRoot: string,
  abs: string,
  rel: string,
): void {
  const opened = openedPath(handle.fd);
  let inside: boolean;
  if (opened !== undefined) inside = isInside(realRoot, opened);
  else {
    const real = realpathSync.native(abs);
    const held = fstatSync(handle.fd);
    const now = statSync(real);
    inside = isInside(realRoot, real) && now.dev === held.dev && now.ino === held.ino;
  }
  if (!inside) {
    throw pathError(
      "PATH_OUTSIDE_PROJECT",
      "symlink_escape",
      rel,
      "the path was redirected outside the project while it was being opened; Kiwi refused it. Check the path and retry",
    );
  }
}
