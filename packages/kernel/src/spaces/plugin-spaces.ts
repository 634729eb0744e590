import { join, relative, resolve, sep } from "node:path";
import { createDirectorySpace } from "./directory-space";
import { findPackageDir, readJsonFile as readJson } from "./find-package";
import type { ItemSource } from "./item-source";

/** The `kiwi` field a package declares in its package.json to ship items. */
export interface KiwiPackageField {
  /** Folder inside the package with the `.ai` layout (directives/, tools/, knowledge/). */
  items: string;
}

export interface PluginSpaceProblem {
  package: string;
  message: string;
}

/**
 * Item spaces of the packages the project depends on (dependencies, devDependencies, optional and peer)
 * whose package.json has `"kiwi": {"items": "<folder>"}`. Spaces are ordered by package name so
 * precedence between plugins is stable. A malformed field is reported, not fatal.
 */
export async function discoverPluginSpaces(projectRoot: string): Promise<{
  spaces: ItemSource[];
  problems: PluginSpaceProblem[];
}> {
  const manifest = await readJson(join(projectRoot, "package.json"));
  const names = new Set<string>();
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
    const deps = manifest?.[field];
    if (deps && typeof deps === "object") for (const name of Object.keys(deps)) names.add(name);
  }
  const spaces: ItemSource[] = [];
  const problems: PluginSpaceProblem[] = [];
  for (const name of [...names].sort()) {
    const dir = await findPackageDir(name, projectRoot);
    if (!dir) continue;
    const pkg = await readJson(join(dir, "package.json"));
    const field = pkg?.kiwi as Partial<KiwiPackageField> | undefined;
    if (field === undefined) continue;
    if (typeof field !== "object" || field === null || typeof field.items !== "string") {
      problems.push({ package: name, message: `"kiwi" in package.json must be {"items": "<folder>"}` });
      continue;
    }
    const root = resolve(dir, field.items);
    const rel = relative(dir, root);
    if (rel.startsWith("..") || rel.split(sep).includes("..")) {
      problems.push({ package: name, message: `"kiwi.items" points outside the package: ${field.items}` });
      continue;
    }
    spaces.push(createDirectorySpace({ name: `plugin:${name}`, kind: "plugin", root, writable: false }));
  }
  return { spaces, problems };
}

/**
 * The project's plugin spaces, then those of `hosts` — package folders such as the `kiwi` command's own,
 * whose dependencies include provider plugins — for packages the project does not install itself (the
 * project's copy of a package always wins). Host spaces rank below the project's.
 */
export async function discoverPluginSpacesWithHosts(
  projectRoot: string,
  hosts: readonly string[],
): Promise<{ spaces: ItemSource[]; problems: PluginSpaceProblem[] }> {
  const found = await discoverPluginSpaces(projectRoot);
  const names = new Set(found.spaces.map((s) => s.name));
  for (const host of hosts) {
    const extra = await discoverPluginSpaces(host);
    for (const space of extra.spaces) {
      if (names.has(space.name)) continue;
      names.add(space.name);
      found.spaces.push(space);
    }
    found.problems.push(...extra.problems.filter((p) => !names.has(`plugin:${p.package}`)));
  }
  return found;
}
