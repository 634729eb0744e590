import { constants, type FileHandle, lstat, open, realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { isInside, outside } from "./resolve-sink-path";
import { SinkErrorCode } from "./sink-errors";

// O_NOFOLLOW: a symlink planted as the final component after the check makes open fail (ELOOP) instead of
// writing through it. O_NONBLOCK: a FIFO swapped in cannot block the open. Both are 0 where unsupported.
const FLAGS =
  constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Opens a resolved sink file for writing and re-checks what was opened: a regular file with a single link
 * (a hard link could point the writes at a file outside the project), the very inode now at the path, in a
 * folder still inside the project. Truncation (append: false) happens only after those checks.
 * Returns the handle and the size to roll back to when a later write fails halfway.
 */
export async function openSinkFile(options: {
  projectRoot: string;
  path: string;
  file: string;
  append: boolean;
}): Promise<{ handle: FileHandle; size: number }> {
  const { path, file } = options;
  let handle: FileHandle;
  try {
    handle = await open(file, options.append ? FLAGS | constants.O_APPEND : FLAGS, 0o644);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ELOOP") throw outside(path, "symlink_final", cause);
    throw new KiwiError({
      code: SinkErrorCode.SINK_OPEN_FAILED,
      message: `file_sink cannot open ${path}: ${(cause as NodeJS.ErrnoException).code ?? "error"}; check the folder's permissions and free space`,
      context: { path, errno: (cause as NodeJS.ErrnoException).code },
      cause,
    });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.nlink > 1) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `file_sink refuses ${path}: it is ${info.isFile() ? "a file with several hard links" : "not a regular file"}; choose another path`,
        context: { path },
      });
    }
    const now = await lstat(file);
    const root = await realpath(options.projectRoot);
    if (now.ino !== info.ino || now.dev !== info.dev || !isInside(root, await realpath(dirname(file)))) {
      throw outside(path, "symlink_parent");
    }
    if (!options.append) await handle.truncate(0);
    return { handle, size: options.append ? info.size : 0 };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}
