import { join, relative, resolve, sep } from "node:path";
import { createDirectorySpace } from "./directory-space";
import { findPackageDir, readJsonFile as readJson } from "./find-package";
import type { ItemSource } from "./item-source";

/** The `kiwi` field a package declares in its package.json to ship items. */
export interface KiwiPackageField {
  /** Folder inside the package with the `.ai` layout (directives/, tools/, knowledge/). */
  items: string;
  /**
   * The publisher's public key (a PEM file inside the package) that signed the items. Never trusted by
   * itself: untrusted-signer messages name it so the person can check its key id and `kiwi trust` it.
   */
  publisherKey?: string;
}

/** A path inside the package, or undefined when it leaves it. */
function inside(dir: string, path: string): string | undefined {
  const abs = resolve(dir, path);
  const rel = relative(dir, abs);
  return rel.startsWith("..") || rel.split(sep).includes("..") ? undefined : abs;
}

export interface PluginSpaceProblem {
  package: string;
  message: string;
}

/** The item space a package declares, or why its `kiwi` field cannot be used (undefined: it declares none). */
async function spaceOf(
  name: string,
  dir: string,
): Promise<{ space: ItemSource } | { problem: PluginSpaceProblem } | undefined> {
  const pkg = await readJson(join(dir, "package.json"));
  const field = pkg?.kiwi as Partial<KiwiPackageField> | undefined;
  if (field === undefined) return undefined;
  if (typeof field !== "object" || field === null || typeof field.items !== "string") {
    return { problem: { package: name, message: `"kiwi" in package.json must be {"items": "<folder>"}` } };
  }
  const root = inside(dir, field.items);
  if (root === undefined) {
    return { problem: { package: name, message: `"kiwi.items" points outside the package: ${field.items}` } };
  }
  let trustHint = `ask the publisher of ${name} for their public key, check its id, then run \`kiwi trust <file>\``;
  if (field.publisherKey !== undefined) {
    const key = typeof field.publisherKey === "string" ? inside(dir, field.publisherKey) : undefined;
    if (key === undefined) {
      return {
        problem: { package: name, message: `"kiwi.publisherKey" must be a file inside the package` },
      };
    }
    trustHint = `check the key id with the publisher of ${name}, then trust it with \`kiwi trust ${key}\``;
  }
  return {
    space: createDirectorySpace({ name: `plugin:${name}`, kind: "plugin", root, writable: false, trustHint }),
  };
}

/**
 * Item spaces of the packages the project depends on (dependencies, devDependencies, optional and peer)
 * whose package.json has `"kiwi": {"items": "<folder>"}`. Spaces are ordered by package name so
 * precedence between plugins is stable. A malformed field is reported, not fatal. `packageDirs` are
 * package folders a host adds after those (a runtime's own items, e.g. the default harness): one the
 * project already depends on is not added twice.
 */
export async function discoverPluginSpaces(
  projectRoot: string,
  options: { packageDirs?: readonly string[] } = {},
): Promise<{
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
  const add = (found: Awaited<ReturnType<typeof spaceOf>>) => {
    if (found && "space" in found) spaces.push(found.space);
    else if (found) problems.push(found.problem);
  };
  for (const name of [...names].sort()) {
    const dir = await findPackageDir(name, projectRoot);
    if (dir) add(await spaceOf(name, dir));
  }
  for (const dir of options.packageDirs ?? []) {
    const name = (await readJson(join(dir, "package.json")))?.name;
    if (typeof name !== "string" || names.has(name)) continue;
    names.add(name);
    add(await spaceOf(name, dir));
  }
  return { spaces, problems };
}

/**
 * The project's plugin spaces, then those of `hosts` — package folders such as the `kiwi` command's own,
 * whose dependencies include provider plugins — for packages the project does not install itself (the
 * project's copy of a package always wins). Host spaces rank below the project's (and below the
 * `packageDirs` a host adds itself, see `discoverPluginSpaces`).
 */
export async function discoverPluginSpacesWithHosts(
  projectRoot: string,
  hosts: readonly string[],
  options: { packageDirs?: readonly string[] } = {},
): Promise<{ spaces: ItemSource[]; problems: PluginSpaceProblem[] }> {
  const found = await discoverPluginSpaces(projectRoot, options);
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
