import { KiwiError, type KnownErrorCode } from "@kiwi/spec";

/** The codes of a path refusal: @kiwi/spec's `PATH_*` codes and FILE_TOO_LARGE. */
export type PathErrorCode = Extract<KnownErrorCode, `PATH_${string}` | "FILE_TOO_LARGE">;

/** Why a path was refused; stable, for callers and tests to branch on. */
export type PathErrorReason =
  // PATH_OUTSIDE_PROJECT
  | "outside_root"
  | "symlink_escape"
  | "absolute_denied"
  // PATH_INVALID
  | "not_string"
  | "empty"
  | "nul"
  | "control"
  | "ill_formed"
  | "ignorable_codepoint"
  | "windows_form"
  | "lookalike"
  | "too_long"
  | "not_directory"
  | "is_directory"
  | "hard_link"
  | "final_symlink"
  | "symlink_loop"
  | "not_canonical"
  | "not_empty"
  | "too_many_entries"
  | "io_error"
  // PATH_PROTECTED, PATH_SPECIAL_FILE, PATH_NOT_FOUND, FILE_TOO_LARGE
  | "protected"
  | "project_root"
  | "special_file"
  | "not_found"
  | "too_large";

/**
 * A path refusal. The path is shown JSON-quoted (control characters cannot forge a transcript line) and
 * cut short; link targets outside the project are never named, and file contents never appear.
 */
export function pathError(
  code: PathErrorCode,
  reason: PathErrorReason,
  path: unknown,
  message: string,
  extra: Record<string, unknown> = {},
): KiwiError {
  const shown = typeof path === "string" ? JSON.stringify(path.slice(0, 200)) : "(not a string)";
  return new KiwiError({
    code,
    message: `${shown}: ${message}`,
    context: { reason, path: typeof path === "string" ? path.slice(0, 4096) : undefined, ...extra },
  });
}
