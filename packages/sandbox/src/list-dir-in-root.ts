import type { Dirent } from "node:fs";
import { lstat } from "node:fs/promises";
import { sep } from "node:path";
import { openDirAnchored } from "./open-dir-anchored";
import { pathError } from "./path-error";
import { MAX_PATH_SEGMENTS } from "./path-limits";
import { pathSegmentProblem } from "./path-segment-problem";
import { protectionProblem } from "./protection-problem";
import { resolveForOperation } from "./resolve-for-operation";
import { withPathErrors } from "./with-path-errors";

export interface ListDirInRootOptions {
  readonly root: string;
  /** Canonical project-relative directory, `""` for the project root. */
  readonly rel: string;
  /** Walk subdirectories too (breadth-first, never into symlinked directories). */
  readonly recursive?: boolean;
  /** Stop after this many entries; `truncated` then says so. */
  readonly maxEntries: number;
  /**
   * System capabilities the caller lists with: `.ai/threads` needs `registry.read` (without it a walk
   * reports the folder as skipped `protected` and does not enter it). Default none.
   */
  readonly systemCaps?: readonly string[];
}

export type DirEntryType = "file" | "directory" | "symlink" | "special";

export interface DirEntry {
  /** Project-relative path of the entry. */
  readonly rel: string;
  readonly type: DirEntryType;
  /** Set when the walk did not descend into or cannot offer the entry; `reason` says why. */
  readonly skipped?: true;
  readonly reason?: "symlink" | "protected" | "invalid_name" | "too_deep";
}

export interface DirListing {
  readonly entries: DirEntry[];
  readonly truncated: boolean;
}

/**
 * Lists a directory inside the project, bounded by `maxEntries`. Confinement applies to the walk
 * itself (hackmyagent#485): symlinks are reported as `{type: "symlink", skipped: true}` and never
 * followed, each directory is opened with O_NOFOLLOW and read from the open handle (openDirAnchored), and protected directories the caller
 * cannot read (`.git`; `.ai/threads` without `registry.read`) are reported but not entered. Names a request could not use (control characters, `CON`,
 * trailing dots…) are reported as skipped `invalid_name`; they are JSON-safe strings, never printed raw.
 */
export function listDirInRoot(options: ListDirInRootOptions): Promise<DirListing> {
  return withPathErrors(options.rel, () => listUnchecked(options));
}

async function listUnchecked(options: ListDirInRootOptions): Promise<DirListing> {
  const { root, rel, recursive = false, maxEntries, systemCaps = [] } = options;
  const target = await resolveForOperation({ root, rel, op: "list", systemCaps });
  if (!target.exists)
    throw pathError(
      "PATH_NOT_FOUND",
      "not_found",
      rel,
      "no such directory; list its parent to check the name",
    );
  if (!(await lstat(target.abs)).isDirectory()) {
    throw pathError(
      "PATH_INVALID",
      "not_directory",
      rel,
      "the path is a file, not a directory; read it instead",
    );
  }
  const entries: DirEntry[] = [];
  const queue: { abs: string; rel: string; depth: number }[] = [
    { abs: target.abs, rel, depth: rel === "" ? 0 : rel.split("/").length },
  ];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    let dirents: Dirent[];
    const dir = await openDirAnchored(target.realRoot, next.abs, next.rel);
    try {
      dirents = await dir.list();
    } finally {
      await dir.close();
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of dirents) {
      if (entries.length >= maxEntries) return { entries, truncated: true };
      const childRel = next.rel === "" ? dirent.name : `${next.rel}/${dirent.name}`;
      const type: DirEntryType = dirent.isSymbolicLink()
        ? "symlink"
        : dirent.isDirectory()
          ? "directory"
          : dirent.isFile()
            ? "file"
            : "special";
      if (pathSegmentProblem(dirent.name) !== undefined || dirent.name !== dirent.name.normalize("NFC")) {
        entries.push({ rel: childRel, type, skipped: true, reason: "invalid_name" });
      } else if (type === "symlink") {
        entries.push({ rel: childRel, type, skipped: true, reason: "symlink" });
      } else if (
        type === "directory" &&
        protectionProblem(childRel, "list", systemCaps, target.caseInsensitive) !== undefined
      ) {
        entries.push({ rel: childRel, type, skipped: true, reason: "protected" });
      } else if (type === "directory" && recursive && next.depth + 1 >= MAX_PATH_SEGMENTS) {
        entries.push({ rel: childRel, type, skipped: true, reason: "too_deep" });
      } else {
        entries.push({ rel: childRel, type });
        if (type === "directory" && recursive) {
          queue.push({ abs: `${next.abs}${sep}${dirent.name}`, rel: childRel, depth: next.depth + 1 });
        }
      }
    }
  }
  return { entries, truncated: false };
}
