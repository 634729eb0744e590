// Which providers `kiwi thread run` can use: the ones the project's spaces define (its installed plugin
// packages, its own items), else the provider plugins installed next to the `kiwi` command itself (its
// own dependencies), so a project made with `kiwi init` runs threads before it installs a provider. One
// function, given a way to open a kernel, so it can move into the library with provider discovery.
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kernel, KernelOptions } from "@kiwi/kernel";
import { discoverProviders, type InstalledProvider, type ProviderDiscovery } from "./models";

export interface ProviderSource {
  readonly discovery: ProviderDiscovery;
  /**
   * Set when the providers are the ones installed with `kiwi`: the kernel that runs the thread needs the
   * same plugin spaces (the provider's thread tool lives there too).
   */
  readonly pluginPackagesFrom?: readonly string[];
}

/** The folder of the package named `name` that holds `file` (the nearest package.json with that name). */
export function packageDirOf(name: string, file: string): string | undefined {
  for (let dir = dirname(file); ; ) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (manifest.name === name) return realpathSync(dir);
    } catch {
      // no package.json here (or not JSON): keep going up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** @kiwi/cli's own folder: its dependencies are the provider plugins installed with `kiwi`. */
export const cliPackageDir = (): string | undefined =>
  packageDirOf("@kiwi/cli", fileURLToPath(import.meta.url));

/**
 * The project's providers; when its spaces define none at all (no definition, not even a broken one),
 * the provider plugins installed with `kiwi` (`from`, default @kiwi/cli's folder).
 */
export async function findProviders(
  openKernel: (extra: Pick<KernelOptions, "pluginPackagesFrom">) => Promise<Kernel>,
  from: string | undefined = cliPackageDir(),
): Promise<ProviderSource> {
  const own = await discoverProviders(await openKernel({}));
  if (own.providers.length > 0 || own.problems.length > 0 || !from) return { discovery: own };
  const pluginPackagesFrom = [from];
  const discovery = await discoverProviders(await openKernel({ pluginPackagesFrom }));
  if (discovery.providers.length === 0 && discovery.problems.length === 0) return { discovery: own };
  return { discovery, pluginPackagesFrom };
}

/** The line `kiwi thread run` prints when it runs on a provider installed with `kiwi`, not the project. */
export function fallbackNote(provider: InstalledProvider, from: readonly string[]): string {
  const pkg = provider.space?.startsWith("plugin:")
    ? provider.space.slice("plugin:".length)
    : provider.itemId;
  return `the project has no provider plugin: using ${provider.id} from ${pkg} installed with kiwi (${from.join(", ")}); npm install ${pkg} in the project to choose its version`;
}
