import { mkdir } from "node:fs/promises";
import { deleteInRoot, writeFileInRoot } from "@kiwi/sandbox";
import { KiwiError } from "@kiwi/spec";
import { isSafeSegment } from "../items/item-ref";

/** Item paths are built from validated ids; anything else never reaches the file system. */
function itemRel(relPath: string): string {
  if (!relPath.split("/").every(isSafeSegment)) {
    throw new KiwiError({
      code: "PATH_OUTSIDE_PROJECT",
      message: `refusing to write ${relPath}: it is not a path inside its space`,
      context: { path: relPath },
    });
  }
  return relPath;
}

/**
 * Writes an item file through the sandbox (`writeFileInRoot` of @kiwi/sandbox): the path is resolved
 * inside the space and each folder is checked before anything below it is created; a fresh temp file
 * in the anchored folder is fsynced, then renamed over the target. A rename replaces a symlink at the
 * target instead of writing through it, and readers never see a half-written item. The space root is
 * configuration, pinned like the project root, so it alone is created as given when missing.
 */
export async function writeItemFileAtomic(options: {
  spaceRoot: string;
  relPath: string;
  bytes: Uint8Array;
}): Promise<void> {
  const rel = itemRel(options.relPath);
  await mkdir(options.spaceRoot, { recursive: true });
  await writeFileInRoot({
    root: options.spaceRoot,
    rel,
    bytes: options.bytes,
    createParents: true,
    replaceLink: true,
    mode: 0o644,
  });
}

/** Deletes an item file inside its space through the sandbox (a symlink is never followed). */
export async function removeItemFile(options: { spaceRoot: string; relPath: string }): Promise<void> {
  await deleteInRoot({ root: options.spaceRoot, rel: itemRel(options.relPath) });
}
