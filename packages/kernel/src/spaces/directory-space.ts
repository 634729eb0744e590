import { constants } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { isSafeSegment } from "../items/item-ref";
import { ITEM_EXTENSIONS, ITEM_FOLDERS, type ItemType } from "../items/item-type";
import type { ItemFile, ItemSource, RegistrySource, SpaceKind } from "./item-source";

const MAX_CATEGORY_DEPTH = 8;

async function walk(base: string, folder: string, itemType: ItemType, out: ItemFile[], cats: string[]) {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(join(base, folder, ...cats), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw error;
  }
  const files: Promise<ItemFile | undefined>[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Symlinks are skipped: an item must physically live in its space.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (isSafeSegment(entry.name) && cats.length < MAX_CATEGORY_DEPTH) {
        await walk(base, folder, itemType, out, [...cats, entry.name]);
      }
      continue;
    }
    if (!entry.isFile()) continue;
    const ext = ITEM_EXTENSIONS[itemType].find((e) => entry.name.endsWith(e));
    if (!ext) continue;
    const id = entry.name.slice(0, -ext.length);
    if (!isSafeSegment(id)) continue;
    const relPath = [folder, ...cats, entry.name].join("/");
    const location = join(base, relPath);
    files.push(
      lstat(location).then(
        (info) => ({
          itemType,
          id,
          category: cats.join("/"),
          relPath,
          location,
          stamp: `${info.mtimeMs}:${info.size}`,
        }),
        () => undefined,
      ),
    );
  }
  for (const file of await Promise.all(files)) if (file) out.push(file);
}

function assertSafeRelPath(relPath: string): string[] {
  const parts = relPath.split("/");
  if (parts.length < 2 || !parts.every(isSafeSegment)) {
    throw new KiwiError({
      code: "INVALID_ITEM_ID",
      message: `refusing to read '${relPath}': not a path inside a space`,
      context: { path: relPath },
    });
  }
  return parts;
}

/** Reads a file without following a symlink at its final component and without reading past a cap. */
export async function readCapped(file: string, maxBytes: number, label: string): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") {
      throw new KiwiError({
        code: "INVALID_ITEM_ID",
        message: `${label} is a symlink: items are never read through links`,
        context: { file: label },
      });
    }
    throw error;
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new KiwiError({
        code: "INVALID_ITEM_ID",
        message: `${label} is not a regular file`,
        context: { file: label },
      });
    }
    if (info.size > maxBytes) {
      throw new KiwiError({
        code: "PARSE_TOO_LARGE",
        message: `${label} is ${info.size} bytes, above the ${maxBytes}-byte limit for items: split it into smaller items`,
        context: { file: label, size: info.size, limit: maxBytes },
      });
    }
    const buffer = Buffer.alloc(info.size);
    let offset = 0;
    while (offset < info.size) {
      const { bytesRead } = await handle.read(buffer, offset, info.size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

/** A space backed by a local `.ai` folder. */
export function createDirectorySpace(options: {
  name: string;
  kind: SpaceKind;
  root: string;
  writable: boolean;
}): ItemSource {
  const { name, kind, root, writable } = options;
  return {
    name,
    kind,
    root,
    writable,
    async list(itemType) {
      const out: ItemFile[] = [];
      const info = await lstat(root).catch(() => undefined);
      if (!info?.isDirectory()) return out;
      await walk(root, ITEM_FOLDERS[itemType], itemType, out, []);
      return out;
    },
    async read(relPath, maxBytes) {
      const parts = assertSafeRelPath(relPath);
      return readCapped(join(root, ...parts), maxBytes, `${name}:${relPath}`);
    },
  };
}

/** A read-only registry kept in a local folder with the `.ai` layout (directives/, tools/, knowledge/). */
export function createDirectoryRegistry(options: { name: string; root: string }): RegistrySource {
  const space = createDirectorySpace({
    name: `registry:${options.name}`,
    kind: "registry",
    root: options.root,
    writable: false,
  });
  return { ...space, kind: "registry", writable: false };
}
