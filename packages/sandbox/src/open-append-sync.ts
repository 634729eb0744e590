import { closeSync, fstatSync, openSync } from "node:fs";
import { assertWritableFile, openFailure, writableFileFlags } from "./writable-file";

export interface OpenAppendSyncOptions {
  /** Mode of a new file (before the umask; default 0o600: append-only records are usually private). */
  readonly mode?: number;
  /** Open read-write, so the caller can read the file's tail through the descriptor it appends to. */
  readonly read?: boolean;
}

/**
 * Opens `file` append-only, synchronously, for records that several writers share one line at a time
 * (a thread's transcript): O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, then the descriptor must be a
 * regular file with a single link. The final component is never followed; the folder is the caller's
 * to have confined (ensureDirInRootSync). Returns the descriptor and the size found; the caller closes it.
 */
export function openAppendSync(
  file: string,
  options: OpenAppendSyncOptions = {},
): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, writableFileFlags({ append: true, read: options.read }), options.mode ?? 0o600);
  } catch (error) {
    throw openFailure(error, file);
  }
  try {
    const info = fstatSync(fd);
    assertWritableFile(info, file);
    return { fd, size: info.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
