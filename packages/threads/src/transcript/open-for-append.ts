import { openAppendSync } from "@kiwi/sandbox";
import { ErrorCode, KiwiError } from "@kiwi/spec";
import { notRegularFile, openFailure, transcriptUnavailable } from "./transcript-errors";

/**
 * Opens a transcript append-only through the sandbox (openAppendSync of @kiwi/sandbox: O_APPEND,
 * O_NOFOLLOW, O_NONBLOCK, mode 0600 for a new file, read-write so the last line is read through the
 * descriptor appended to; a regular file with a single link only). Refusals are TRANSCRIPT_UNAVAILABLE.
 */
export function openForAppend(file: string): number {
  try {
    return openAppendSync(file, { mode: 0o600, read: true }).fd;
  } catch (error) {
    throw refusal(file, error);
  }
}

function refusal(file: string, error: unknown): KiwiError {
  if (!KiwiError.isInstance(error)) return openFailure(file, error, false);
  switch (error.context.reason) {
    case "final_symlink":
      return transcriptUnavailable(
        file,
        "the path is a symlink, which transcripts never follow",
        "remove the symlink and point the caller at the real file",
      );
    case "special_file":
    case "is_directory":
      return notRegularFile(file);
    case "hard_link":
      return transcriptUnavailable(
        file,
        "the file has several hard links, so appending could change another file",
        "remove the extra links or use a new transcript path",
      );
    default: {
      const errno = error.context.errno ?? error.context.reason;
      return new KiwiError({
        code: ErrorCode.TRANSCRIPT_UNAVAILABLE,
        message: `transcript ${file}: cannot open it (${String(errno)}); check that the path names a file in a folder you may read and write`,
        context: { file, reason: "open_failed", errno },
        cause: error,
      });
    }
  }
}
