import { ErrorCode, KiwiError } from "@kiwi/spec";
import { outside } from "./sink-path-policy";

function notRegular(path: string, cause: KiwiError): KiwiError {
  const hardLink = cause.context.reason === "hard_link";
  return new KiwiError({
    code: "INVALID_INPUT",
    message: hardLink
      ? `file_sink refuses ${path}: it is a file with several hard links; choose another path`
      : `sink path refused: ${path} exists and is not a regular file (a folder, FIFO or device); choose another path`,
    context: { path },
    cause,
  });
}

/**
 * Says a sandbox refusal in the sink's terms, which sink users already branch on: escapes and links are
 * PATH_OUTSIDE_PROJECT with `symlink_parent` / `symlink_final`, a name the sandbox refuses is `invalid`,
 * a folder, FIFO or hard-linked file at the path is INVALID_INPUT, an errno is SINK_OPEN_FAILED.
 * Protected paths (PATH_PROTECTED) and a bad project root keep their own codes.
 */
export function sinkPathError(path: string, error: unknown): unknown {
  if (!KiwiError.isInstance(error)) return error;
  const reason = error.context.reason;
  switch (error.code) {
    case "PATH_OUTSIDE_PROJECT":
      return outside(path, error.context.final_link === true ? "symlink_final" : "symlink_parent", error);
    case "PATH_SPECIAL_FILE":
      return notRegular(path, error);
    case "PATH_NOT_FOUND":
      return openFailed(path, "ENOENT", error);
    case "PATH_INVALID":
      break;
    default:
      return error;
  }
  switch (reason) {
    case "not_canonical":
      // The path resolves elsewhere than it reads: a folder on it is (or just became) a link.
      return outside(path, "link_in_path", error);
    case "final_symlink":
      return outside(path, "symlink_final", error);
    case "symlink_loop":
      return outside(path, "symlink_parent", error);
    case "is_directory":
    case "hard_link":
      return notRegular(path, error);
    case "not_directory":
      return new KiwiError({
        code: "INVALID_INPUT",
        message: `sink path refused: a folder on ${path} is a file; choose another path`,
        context: { path },
        cause: error,
      });
    case "io_error":
      return openFailed(path, error.context.errno, error);
    default:
      // A name the sandbox refuses (a Windows device name, a look-alike slash, an invisible character…).
      return outside(path, "invalid", error, error.message);
  }
}

function openFailed(path: string, errno: unknown, cause: unknown): KiwiError {
  return new KiwiError({
    code: ErrorCode.SINK_OPEN_FAILED,
    message: `file_sink cannot open ${path}: ${typeof errno === "string" ? errno : "error"}; check the folder's permissions and free space`,
    context: { path, errno },
    cause,
  });
}
