import { lstat, mkdir } from "node:fs/promises";
import { relative, sep } from "node:path";
import { errnoOf } from "./errno-of";
import { fsFailure } from "./fs-failure";
import { pathError } from "./path-error";

/**
 * Makes sure the real directory `dir` (inside `realRoot`) exists, creating missing components one at a
 * time when `create` is set. Each component must be a real directory, not a link: one planted after
 * validation is refused rather than created through (`mkdir -p` would follow it).
 */
export async function ensureDirectory(
  realRoot: string,
  dir: string,
  create: boolean,
  rel: string,
): Promise<void> {
  const parts = relative(realRoot, dir)
    .split(sep)
    .filter((p) => p !== "");
  let cur = realRoot;
  for (const part of parts) {
    cur = `${cur}${sep}${part}`;
    let info: Awaited<ReturnType<typeof lstat>> | undefined;
    try {
      info = await lstat(cur);
    } catch (error) {
      if (errnoOf(error) !== "ENOENT") throw fsFailure(error, rel);
    }
    if (info === undefined) {
      if (!create) {
        throw pathError(
          "PATH_NOT_FOUND",
          "not_found",
          rel,
          "the parent directory does not exist; pass createParents: true to create it",
        );
      }
      try {
        await mkdir(cur, { mode: 0o777 });
        continue;
      } catch (error) {
        if (errnoOf(error) !== "EEXIST") throw fsFailure(error, rel);
        info = await lstat(cur);
      }
    }
    if (info.isSymbolicLink()) {
      throw pathError(
        "PATH_OUTSIDE_PROJECT",
        "symlink_escape",
        rel,
        "a symbolic link appeared on the path during the write; Kiwi refused it. Check the path and retry",
      );
    }
    if (!info.isDirectory())
      throw pathError(
        "PATH_INVALID",
        "not_directory",
        rel,
        "a component of the path is a file, not a directory",
      );
  }
}
