import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, realpath, rename, unlink } from "node:fs/promises";
import { basename, dirname, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { assertOpenedInside } from "./assert-opened-inside";
import { ensureDirectory } from "./ensure-directory";
import { errnoOf } from "./errno-of";
import { fsFailure } from "./fs-failure";
import { openDirAnchored } from "./open-dir-anchored";
import { pathError } from "./path-error";
import { resolveForOperation } from "./resolve-for-operation";

export interface WriteFileInRootOptions {
  readonly root: string;
  /** Canonical project-relative path, as returned by resolveInRoot. */
  readonly rel: string;
  /** Content; a string is written as UTF-8. */
  readonly bytes: Uint8Array | string;
  /** Create missing parent directories (each one checked as it is made). */
  readonly createParents?: boolean;
  /** System capabilities the caller holds, for protected paths (`item.sign`, `extractor.modify`, …). */
  readonly systemCaps?: readonly string[];
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
export async function writeFileInRoot(options: WriteFileInRootOptions): Promise<WriteFileResult> {
  try {
    return await writeUnchecked(options);
  } catch (error) {
    throw KiwiError.isInstance(error) ? error : fsFailure(error, options.rel);
  }
}

async function writeUnchecked(options: WriteFileInRootOptions): Promise<WriteFileResult> {
  const { root, rel, createParents = false, systemCaps = [] } = options;
  const bytes = typeof options.bytes === "string" ? Buffer.from(options.bytes, "utf8") : options.bytes;
  const target = await resolveForOperation(root, rel, "write", systemCaps);
  let mode: number | undefined;
  if (target.exists) {
    // Gone since validation is fine: the rename below creates it.
    const info = await lstat(target.abs).catch((error: unknown) => {
      if (errnoOf(error) === "ENOENT") return undefined;
      throw error;
    });
    if (info?.isDirectory())
      throw pathError("PATH_INVALID", "is_directory", rel, "the path is a directory; name a file");
    if (info?.isFile()) mode = info.mode & 0o777;
  }
  const parent = dirname(target.abs);
  await ensureDirectory(target.realRoot, parent, createParents, rel);

  const dir = await openDirAnchored(target.realRoot, parent, rel);
  const tempName = `.kiwi-tmp-${randomBytes(8).toString("hex")}`;
  let created = false;
  let renamed = false;
  try {
    const handle = await open(
      dir.child(tempName),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o666,
    );
    created = true;
    try {
      await assertOpenedInside(handle, target.realRoot, `${parent}${sep}${tempName}`, rel);
      await handle.writeFile(bytes);
      if (mode !== undefined) await handle.chmod(mode);
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
    await rename(dir.child(tempName), dir.child(basename(target.abs)));
    renamed = true;
    return { rel: target.rel, bytes: bytes.byteLength };
  } finally {
    if (created && !renamed) await unlink(dir.child(tempName)).catch(() => undefined);
    await dir.close();
  }
}
