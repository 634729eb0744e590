import { constants, type Stats } from "node:fs";
import type { KiwiError } from "@kiwi/spec";
import { errnoOf } from "./errno-of";
import { fsFailure } from "./fs-failure";
import { pathError } from "./path-error";
import { specialFileError } from "./special-file-error";

/**
 * Flags for opening a file to write in place: created when missing, O_NOFOLLOW so a link planted as the
 * final component fails the open (ELOOP) instead of being written through, O_NONBLOCK so a FIFO planted
 * there cannot block it. O_APPEND makes every write land at the end, atomically with respect to other
 * appenders; `read` opens read-write so a caller can read back through the same descriptor.
 */
export function writableFileFlags(options: { append: boolean; read?: boolean }): number {
  return (
    (options.read === true ? constants.O_RDWR : constants.O_WRONLY) |
    constants.O_CREAT |
    (constants.O_NOFOLLOW ?? 0) |
    (constants.O_NONBLOCK ?? 0) |
    (options.append ? constants.O_APPEND : 0)
  );
}

/**
 * Refuses what was opened unless it is a regular file with a single link: a hard link would let writes
 * in place land in a file elsewhere (an atomic write by rename does not have this problem).
 */
export function assertWritableFile(info: Stats, path: string): void {
  if (info.isDirectory())
    throw pathError("PATH_INVALID", "is_directory", path, "the path is a directory; name a file");
  if (!info.isFile()) {
    throw specialFileError(path);
  }
  if (info.nlink > 1) {
    throw pathError(
      "PATH_INVALID",
      "hard_link",
      path,
      "the file has several hard links, so writing to it in place could change another file; remove the extra links or use a new path",
    );
  }
}

/** The error for a failed open: a link or a FIFO planted at the path since it was checked, or an errno. */
export function openFailure(error: unknown, path: string): KiwiError {
  switch (errnoOf(error)) {
    case "ELOOP":
      return pathError(
        "PATH_INVALID",
        "final_symlink",
        path,
        "the path is a symbolic link and Kiwi never writes through links; use the path it points to",
      );
    case "ENXIO":
      return specialFileError(path);
    default:
      return fsFailure(error, path);
  }
}
