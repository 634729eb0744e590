import { lstat, rmdir, unlink } from "node:fs/promises";
import { basename, dirname, sep } from "node:path";
import { type AnchoredDir, openDirAnchored } from "./open-dir-anchored";
import { pathError } from "./path-error";
import { protectionProblem } from "./protection-problem";
import { resolveForOperation } from "./resolve-for-operation";
import { withPathErrors } from "./with-path-errors";

export interface DeleteInRootOptions {
  readonly root: string;
  /** Canonical project-relative path, as returned by resolveInRoot. Never `""`: the root is protected. */
  readonly rel: string;
  /** Delete a non-empty directory and everything under it. */
  readonly recursive?: boolean;
  /** System capabilities the caller holds, for protected paths (checked for every descendant too). */
  readonly systemCaps?: readonly string[];
  /** Refuse a recursive delete of a tree larger than this (default 100 000 entries). */
  readonly maxEntries?: number;
}

export interface DeleteResult {
  readonly rel: string;
  /** Number of files, links and directories removed. */
  readonly removed: number;
}

interface Doomed {
  readonly abs: string;
  readonly rel: string;
  readonly directory: boolean;
}

/**
 * Deletes a file or directory inside the project. Never the root (PATH_PROTECTED) and never a final
 * link (resolveInRoot refuses it). A recursive delete first walks the whole tree without following
 * links, refuses before removing anything if a descendant is protected beyond `systemCaps` or the tree
 * exceeds `maxEntries`, then removes children before parents, each through its anchored parent
 * directory (openDirAnchored): a link in the tree is unlinked itself, never its target (P26), and a
 * directory swapped for a link mid-way cannot redirect the removal.
 */
export function deleteInRoot(options: DeleteInRootOptions): Promise<DeleteResult> {
  return withPathErrors(options.rel, () => deleteUnchecked(options));
}

async function deleteUnchecked(options: DeleteInRootOptions): Promise<DeleteResult> {
  const { root, rel, recursive = false, systemCaps = [], maxEntries = 100_000 } = options;
  const target = await resolveForOperation({ root, rel, op: "delete", systemCaps });
  if (!target.exists)
    throw pathError(
      "PATH_NOT_FOUND",
      "not_found",
      rel,
      "nothing to delete at this path; check it with a listing",
    );
  let anchor: { dir: string; handle: AnchoredDir } | undefined;
  const remove = async (entry: Doomed) => {
    const parent = dirname(entry.abs);
    if (anchor?.dir !== parent) {
      await anchor?.handle.close();
      anchor = undefined;
      anchor = { dir: parent, handle: await openDirAnchored(target.realRoot, parent, entry.rel) };
    }
    const path = anchor.handle.child(basename(entry.abs));
    if (entry.directory) await rmdir(path);
    else await unlink(path);
  };
  try {
    const directory = (await lstat(target.abs)).isDirectory();
    if (!directory || !recursive) {
      await remove({ abs: target.abs, rel: target.rel, directory });
      return { rel: target.rel, removed: 1 };
    }
    const doomed = await collectTree(target.realRoot, target.abs, target.rel, maxEntries);
    for (const entry of doomed) {
      const problem = protectionProblem(entry.rel, "delete", systemCaps, target.caseInsensitive);
      if (problem !== undefined) throw problem;
    }
    for (const entry of doomed.reverse()) await remove(entry);
    return { rel: target.rel, removed: doomed.length };
  } finally {
    await anchor?.handle.close();
  }
}

/** The tree breadth-first (parents before children, siblings together); links are leaves. */
async function collectTree(
  realRoot: string,
  abs: string,
  rel: string,
  maxEntries: number,
): Promise<Doomed[]> {
  const out: Doomed[] = [{ abs, rel, directory: true }];
  for (let i = 0; i < out.length; i++) {
    const dir = out[i] as Doomed;
    if (!dir.directory) continue;
    const handle = await openDirAnchored(realRoot, dir.abs, dir.rel);
    try {
      for (const dirent of await handle.list()) {
        if (out.length >= maxEntries) {
          throw pathError(
            "PATH_INVALID",
            "too_many_entries",
            rel,
            `the tree has more than ${maxEntries} entries; delete it in parts`,
          );
        }
        out.push({
          abs: `${dir.abs}${sep}${dirent.name}`,
          rel: `${dir.rel}/${dirent.name}`,
          directory: dirent.isDirectory() && !dirent.isSymbolicLink(),
        });
      }
    } finally {
      await handle.close();
    }
  }
  return out;
}
