import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, realpath, rename, unlink } from "node:fs/promises";
import { sep } from "node:path";
import { assertOpenedInside } from "./assert-opened-inside";
import { openDirAnchored } from "./open-dir-anchored";
import { pathError } from "./path-error";
import { prepareWriteInRoot } from "./prepare-write-in-root";
import { withPathErrors } from "./with-path-errors";

export interface WriteFileInRootOptions {
  readonly root: string;
  /** Canonical project-relative path, as returned by resolveInRoot. */
  readonly rel: string;
  /** Content; a string is written as UTF-8. */
  readonly bytes: Uint8Array | string;
  /** Create missing parent directories (each one checked before anything is created below it). */
  readonly createParents?: boolean;
  /** System capabilities the caller holds, for protected paths (`item.sign`, `extractor.modify`, …). */
  readonly systemCaps?: readonly string[];
  /**
   * Replace a symlink at the target with the new file (the link itself, never what it points to)
   * instead of refusing it: for writers that own the path (item writes, `kiwi init`).
   */
  readonly replaceLink?: boolean;
  /** Mode of a new file (before the umask; default 0o666). An existing file keeps its own. */
  readonly mode?: number;
}

export interface WriteFileResult {
  readonly rel: string;
  readonly bytes: number;
}

/**
 * Writes a file atomically. The parent directory is opened and anchored (openDirAnchored); a temp file
 * is created in it with O_CREAT | O_EXCL | O_NOFOLLOW, proven inside the root before any byte is
 * written, filled and synced; the parent's realpath is re-checked; then the temp file is renamed over
 * the target inside the same anchored directory. rename replaces a symlink or hard link planted at the
 * target instead of writing through it (the file gets a new inode). An existing file keeps its
 * permission bits (never setuid/setgid). Protected paths need their entry in `systemCaps`.
 */
export function writeFileInRoot(options: WriteFileInRootOptions): Promise<WriteFileResult> {
  return withPathErrors(options.rel, () => writeUnchecked(options));
}

async function writeUnchecked(options: WriteFileInRootOptions): Promise<WriteFileResult> {
  const { rel } = options;
  const bytes = typeof options.bytes === "string" ? Buffer.from(options.bytes, "utf8") : options.bytes;
  const target = await prepareWriteInRoot(options);
  const { parent, existingMode } = target;
  const dir = await openDirAnchored(target.realRoot, parent, rel);
  const tempName = `.kiwi-tmp-${randomBytes(8).toString("hex")}`;
  let created = false;
  let renamed = false;
  try {
    const handle = await open(
      dir.child(tempName),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      options.mode ?? 0o666,
    );
    created = true;
    try {
      assertOpenedInside(handle, target.realRoot, `${parent}${sep}${tempName}`, rel);
      await handle.writeFile(bytes);
      if (existingMode !== undefined) await handle.chmod(existingMode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Last check before the file becomes visible: the directory is still the one validated.
    if ((await realpath(parent)) !== parent) {
      throw pathError(
        "PATH_OUTSIDE_PROJECT",
        "symlink_escape",
        rel,
        "the parent directory was replaced during the write; Kiwi refused it. Retry",
      );
    }
    await rename(dir.child(tempName), dir.child(target.name));
    renamed = true;
    return { rel: target.rel, bytes: bytes.byteLength };
  } finally {
    if (created && !renamed) await unlink(dir.child(tempName)).catch(() => undefined);
    await dir.close();
  }
}
