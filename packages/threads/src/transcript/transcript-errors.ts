import { ErrorCode, KiwiError } from "@kiwi/spec";

// The transcript modules' codes (TRANSCRIPT_CORRUPT, TRANSCRIPT_UNAVAILABLE, ITEM_NOT_FOUND) are @kiwi/spec's.

/** Where in the file a bad line is: its 1-based line number when known, always its byte offset. */
export interface LinePosition {
  readonly line?: number;
  readonly offset: number;
}

export function transcriptCorrupt(file: string, at: LinePosition, reason: string): KiwiError {
  const where = at.line === undefined ? `the line at byte ${at.offset}` : `line ${at.line}`;
  return new KiwiError({
    code: ErrorCode.TRANSCRIPT_CORRUPT,
    message: `transcript ${file}: ${where} is not a valid transcript event (${reason}); the file was edited or damaged: move it aside, or remove that line, to read it`,
    context: { file, ...(at.line === undefined ? {} : { line: at.line }), offset: at.offset, reason },
  });
}

export function transcriptUnavailable(file: string, reason: string, fix: string, cause?: unknown): KiwiError {
  return new KiwiError({
    code: ErrorCode.TRANSCRIPT_UNAVAILABLE,
    message: `transcript ${file}: ${reason}; ${fix}`,
    context: { file, reason, ...(errnoOf(cause) ? { errno: errnoOf(cause) } : {}) },
    cause,
  });
}

/** Maps a failed open of a transcript to a KiwiError (missing file → ITEM_NOT_FOUND when `missingIsNotFound`). */
export function openFailure(file: string, cause: unknown, missingIsNotFound: boolean): KiwiError {
  const errno = errnoOf(cause);
  if (errno === "ELOOP") {
    return transcriptUnavailable(
      file,
      "the path is a symlink, which transcripts never follow",
      "remove the symlink and point the caller at the real file",
      cause,
    );
  }
  if (errno === "ENOENT" && missingIsNotFound) {
    return new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `transcript ${file} does not exist; check the thread id, or follow it to wait for it to appear`,
      context: { file },
      cause,
    });
  }
  return transcriptUnavailable(
    file,
    `cannot open it (${errno ?? "error"})`,
    "check that the path names a file in a folder you may read and write",
    cause,
  );
}

/** Refuses anything but a regular file (a FIFO, a device, a folder). */
export function notRegularFile(file: string): KiwiError {
  return transcriptUnavailable(file, "it is not a regular file", "point the caller at a regular .jsonl file");
}

export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
