import { readFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Reads a JSON file, or undefined when it is missing or not JSON. */
export async function readJsonFile(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** `@scope/pkg/sub/path` → `@scope/pkg`; `pkg/sub` → `pkg`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Finds an installed package's folder the way Node does: `node_modules` of a folder and its parents. */
export async function findPackageDir(name: string, from: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    const candidate = join(dir, "node_modules", ...name.split("/"));
    if (await readJsonFile(join(candidate, "package.json"))) return realpath(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
