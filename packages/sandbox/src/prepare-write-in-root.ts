import { basename, dirname } from "node:path";
import { ensureDirectory } from "./ensure-directory";
import { pathError } from "./path-error";
import { resolveForOperation } from "./resolve-for-operation";
import { withPathErrors } from "./with-path-errors";

export interface PrepareWriteInRootOptions {
  readonly root: string;
  /** Canonical project-relative path, as returned by resolveInRoot. */
  readonly rel: string;
  /** Create missing parent directories (each one checked before anything is created below it). */
  readonly createParents?: boolean;
  /** Mode of the directories created (before the umask). Default 0o777. */
  readonly dirMode?: number;
  /** System capabilities the caller holds, for protected paths (`item.sign`, `registry.write`, …). */
  readonly systemCaps?: readonly string[];
  /** Replace a symlink at the target (the link, never its target) instead of refusing it. */
  readonly replaceLink?: boolean;
}

export interface PreparedWrite {
  /** The project root's realpath. */
  readonly realRoot: string;
  /** Absolute path of the file: its parent is a real directory inside the root. */
  readonly abs: string;
  /** The canonical project-relative path. */
  readonly rel: string;
  /** The real parent directory of `abs`. */
  readonly parent: string;
  /** The file's name inside `parent`. */
  readonly name: string;
  /** Permission bits of the regular file already at the path, if any. */
  readonly existingMode?: number;
  /** Directories this call created, outermost first (their parents need an fsync for durability). */
  readonly created: readonly string[];
}

/**
 * The confinement step every writer shares, on its own: re-resolves the canonical `rel` (a link planted
 * since cannot move the write), applies the protected-path check, refuses a directory at the target,
 * then makes sure of the parent directories, checking each before creating anything below it. Writers
 * that open the file themselves (a third-party sink) call this; writeFileInRoot and openFileInRoot
 * build on it.
 */
export function prepareWriteInRoot(options: PrepareWriteInRootOptions): Promise<PreparedWrite> {
  return withPathErrors(options.rel, () => prepareUnchecked(options));
}

async function prepareUnchecked(options: PrepareWriteInRootOptions): Promise<PreparedWrite> {
  const { root, rel, createParents = false, systemCaps = [], replaceLink = false } = options;
  const target = await resolveForOperation({ root, rel, op: "write", systemCaps, replaceLink });
  let existingMode: number | undefined;
  if (target.exists) {
    // What the resolution just saw at the path (a final link being replaced: the link itself). Gone
    // since is fine: the writer creates it.
    const info = target.info;
    if (info?.isDirectory())
      throw pathError("PATH_INVALID", "is_directory", rel, "the path is a directory; name a file");
    if (info?.isFile()) existingMode = info.mode & 0o777;
  }
  const parent = dirname(target.abs);
  const created = ensureDirectory({
    realRoot: target.realRoot,
    dir: parent,
    create: createParents,
    rel,
    mode: options.dirMode,
  });
  return {
    realRoot: target.realRoot,
    abs: target.abs,
    rel: target.rel,
    parent,
    name: basename(target.abs),
    ...(existingMode === undefined ? {} : { existingMode }),
    created,
  };
}
