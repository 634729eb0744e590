import type { KiwiError } from "@kiwi/spec";
import { errnoOf } from "./errno-of";
import { pathError } from "./path-error";

/**
 * Turns a file-system error met while operating on `rel` into a path KiwiError. ELOOP from an
 * `O_NOFOLLOW` open means a link appeared where validation saw none, so it is reported as an escape.
 */
export function fsFailure(error: unknown, rel: string): KiwiError {
  switch (errnoOf(error)) {
    case "ENOENT":
      return pathError(
        "PATH_NOT_FOUND",
        "not_found",
        rel,
        "no such file or directory; check the path with a listing",
      );
    case "ELOOP":
      return pathError(
        "PATH_OUTSIDE_PROJECT",
        "symlink_escape",
        rel,
        "a symbolic link appeared on the path during the operation; Kiwi never follows it. Check the path and retry",
      );
    case "ENOTDIR":
      return pathError(
        "PATH_INVALID",
        "not_directory",
        rel,
        "a component of the path is a file, not a directory",
      );
    case "EISDIR":
      return pathError("PATH_INVALID", "is_directory", rel, "the path is a directory; name a file");
    case "ENOTEMPTY":
      return pathError(
        "PATH_INVALID",
        "not_empty",
        rel,
        "the directory is not empty; pass recursive: true to delete it",
      );
    case "ENAMETOOLONG":
      return pathError(
        "PATH_INVALID",
        "too_long",
        rel,
        "the path is too long for the file system; use a shorter path",
      );
    default:
      return pathError(
        "PATH_INVALID",
        "io_error",
        rel,
        `the file system refused the operation (${errnoOf(error) ?? "unknown error"})`,
        {
          errno: errnoOf(error),
        },
      );
  }
}
