import { lstatSync, mkdirSync, type Stats } from "node:fs";
import { relative, sep } from "node:path";
import { errnoOf } from "./errno-of";
import { fsFailure } from "./fs-failure";
import { isInside } from "./is-inside";
import { pathError } from "./path-error";

export interface EnsureDirectoryOptions {
  /** The real project root (a realpath). */
  readonly realRoot: string;
  /** The real directory to make sure of, inside `realRoot`. */
  readonly dir: string;
  /** Create missing components; otherwise a missing one is PATH_NOT_FOUND. */
  readonly create: boolean;
  /** The project-relative path the caller asked about, for error messages. */
  readonly rel: string;
  /** Mode of the directories created (before the umask). Default 0o777. */
  readonly mode?: number;
}

/**
 * Makes sure the real directory `dir` (inside `realRoot`) exists, creating missing components one at a
 * time when `create` is set, and returns the directories it created, outermost first. Every component
 * is checked before anything below it is created: it must be a real directory, not a link, so one
 * planted after validation is refused rather than created through (`mkdir -p` would follow it).
 * Synchronous on purpose: a few metadata calls, shared by the asynchronous operations and the
 * synchronous writers (thread folders) alike.
 */
export function ensureDirectory(options: EnsureDirectoryOptions): string[] {
  const { realRoot, dir, create, rel, mode = 0o777 } = options;
  if (!isInside(realRoot, dir)) {
    throw pathError("PATH_OUTSIDE_PROJECT", "outside_root", rel, "the directory is outside the project root");
  }
  const parts = relative(realRoot, dir)
    .split(sep)
    .filter((p) => p !== "");
  const created: string[] = [];
  let cur = realRoot;
  for (const part of parts) {
    cur = `${cur}${sep}${part}`;
    let info: Stats | undefined;
    try {
      info = lstatSync(cur);
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
        mkdirSync(cur, { mode });
        created.push(cur);
        continue;
      } catch (error) {
        if (errnoOf(error) !== "EEXIST") throw fsFailure(error, rel);
        info = lstatSync(cur);
      }
    }
    if (info.isSymbolicLink()) {
      throw pathError(
        "PATH_OUTSIDE_PROJECT",
        "symlink_escape",
        rel,
        "a directory on the path is a symbolic link (or became one during the operation); Kiwi never creates or writes through one. Check the path and retry",
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
  return created;
}
