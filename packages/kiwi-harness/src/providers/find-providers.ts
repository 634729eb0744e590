// Which providers a thread runtime can use: the ones the project's spaces define (its installed plugin
// packages, its own items), else the provider plugins installed next to the host (`fallbackFrom`: e.g.
// the `kiwi` command's own dependencies), so a project made with `kiwi init` runs threads before it
// installs a provider. The kernel that found them is the one the threads run on (the provider's thread
// tool lives in the same plugin spaces).
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Kernel, KernelOptions } from "@kiwi/kernel";
import { KiwiError } from "@kiwi/spec";
import type { ModelResolver } from "../thread-runtime";
import {
  discoverProviders,
  type InstalledProvider,
  modelFor,
  type ProviderDiscovery,
  pickProvider,
  resolveModel,
} from "./models";

export interface ProviderSource {
  readonly discovery: ProviderDiscovery;
  /**
   * Set when the providers are the ones installed next to the host (the project has none): the kernel
   * that runs the thread was opened with these plugin package folders (`pluginPackagesFrom`).
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

/**
 * The project's providers, found on the kernel `openKernel({})` opens; when its spaces define none at all
 * (no definition, not even a broken one) and `from` names host folders, the provider plugins installed
 * there, on a kernel opened with `pluginPackagesFrom: from`. Returns the kernel whose providers are used:
 * exactly one kernel unless the project has no provider and the host's are looked at.
 */
export async function findProviders<K extends Pick<Kernel, "inventory" | "instantiatePlugin">>(
  openKernel: (extra: Pick<KernelOptions, "pluginPackagesFrom">) => Promise<K>,
  from: readonly string[] = [],
): Promise<ProviderSource & { readonly kernel: K }> {
  const kernel = await openKernel({});
  const own = await discoverProviders(kernel);
  if (own.providers.length > 0 || own.problems.length > 0 || from.length === 0)
    return { discovery: own, kernel };
  const pluginPackagesFrom = [...from];
  const host = await openKernel({ pluginPackagesFrom });
  const discovery = await discoverProviders(host);
  if (discovery.providers.length === 0 && discovery.problems.length === 0) return { discovery: own, kernel };
  return { discovery, pluginPackagesFrom, kernel: host };
}

/** The line a host prints when a thread runs on a provider installed with it, not with the project. */
export function fallbackNote(provider: InstalledProvider, from: readonly string[]): string {
  const pkg = provider.space?.startsWith("plugin:")
    ? provider.space.slice("plugin:".length)
    : provider.itemId;
  return `the project has no provider plugin: using ${provider.id} from ${pkg} installed with kiwi (${from.join(", ")}); npm install ${pkg} in the project to choose its version`;
}

/** The overrides of the default model choice (what `kiwi thread run --provider/--model` pass). */
export interface ProviderChoice {
  /** A provider id (`anthropic`) or its definition's tool id; default: the first (by id) whose key is set. */
  readonly provider?: string;
  /** One model id for every thread; default: the directive's `<model id>` or the provider's tier model. */
  readonly model?: string;
}

/**
 * The default `models` resolver of a runtime: the provider `pickProvider` chooses from `source` (the
 * `provider` override, else the first whose key variable is set in `env`), the model `modelFor` chooses
 * (the `model` override, else the directive's `<model id>` when the provider serves it, else the
 * provider's model for the tier), pricing and limits from the provider's `models` (`resolveModel`).
 * A spawn with no usable provider fails with INVALID_INPUT saying what to install or set.
 */
export function discoveredModels(
  source: ProviderSource,
  choice: ProviderChoice,
  env: Readonly<Record<string, string | undefined>>,
): ModelResolver {
  return (directiveModel) => {
    const pick = pickProvider(source.discovery, choice.provider, env);
    if (!pick.ok) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: pick.message,
        context: { provider: choice.provider ?? null },
      });
    }
    const provider = pick.provider.provider;
    return resolveModel(provider, modelFor(provider, directiveModel, choice.model));
  };
}
