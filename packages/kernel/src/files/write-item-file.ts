import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, realpath, rename, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { isSafeSegment } from "../items/item-ref";

function outside(path: string): KiwiError {
  return new KiwiError({
    code: "PATH_OUTSIDE_PROJECT",
    message: `refusing to write ${path}: it resolves outside its space (a symlinked folder?)`,
    context: { path },
  });
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

/** Resolves `relPath` inside `spaceRoot`, creating folders, and proves the folder is really inside. */
async function targetPath(spaceRoot: string, relPath: string): Promise<string> {
  const parts = relPath.split("/");
  if (!parts.every(isSafeSegment)) throw outside(relPath);
  const target = join(spaceRoot, ...parts);
  await mkdir(dirname(target), { recursive: true });
  const [realRoot, realDir] = await Promise.all([realpath(spaceRoot), realpath(dirname(target))]);
  if (!isInside(realRoot, realDir)) throw outside(relPath);
  return join(realDir, parts.at(-1)!);
}

/**
 * Writes a file atomically: a fresh temp file beside the target (exclusive create), fsync, then rename.
 * A rename replaces a symlink at the target instead of writing through it, and readers never see a
 * half-written item.
 */
export async function writeItemFileAtomic(options: {
  spaceRoot: string;
  relPath: string;
  bytes: Uint8Array;
}) {
  const target = await targetPath(options.spaceRoot, options.relPath);
  const temp = join(dirname(target), `.${randomBytes(6).toString("hex")}.kiwi-tmp`);
  const handle = await open(temp, "wx", 0o644);
  try {
    await handle.writeFile(options.bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  return target;
}

/** Deletes an item file inside its space (a symlink is removed as a link, never followed). */
export async function removeItemFile(options: { spaceRoot: string; relPath: string }) {
  const parts = options.relPath.split("/");
  if (!parts.every(isSafeSegment)) throw outside(options.relPath);
  const target = join(options.spaceRoot, ...parts);
  const [realRoot, realDir] = await Promise.all([realpath(options.spaceRoot), realpath(dirname(target))]);
  if (!isInside(realRoot, realDir)) throw outside(options.relPath);
  await lstat(target);
  await unlink(target);
}
