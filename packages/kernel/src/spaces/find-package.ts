import { realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readRegularFile } from "@kiwi/sandbox";

/** A package.json bigger than this is not read (treated like one that is not JSON). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Reads a JSON file, or undefined when it is missing, not a regular file (a FIFO never blocks the read:
 * @kiwi/sandbox's reader refuses it at once), too large or not JSON.
 */
export async function readJsonFile(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { bytes } = await readRegularFile(file, { maxBytes: MAX_MANIFEST_BYTES, followLinks: true });
    return JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** `@scope/pkg/sub/path` → `@scope/pkg`; `pkg/sub` → `pkg`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Finds a package's folder the way Node does: the package a file is itself part of when the name is its
 * own (self-reference), else `node_modules` of the folder and its parents.
 */
export async function findPackageDir(name: string, from: string): Promise<string | undefined> {
  for (let dir = from; ; ) {
    const own = await readJsonFile(join(dir, "package.json"));
    if (own) {
      if (own.name === name) return realpath(dir);
      break; // the nearest package.json decides: a nested package is never its parent
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  let dir = from;
  for (;;) {
    const candidate = join(dir, "node_modules", ...name.split("/"));
    if (await readJsonFile(join(candidate, "package.json"))) return realpath(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
