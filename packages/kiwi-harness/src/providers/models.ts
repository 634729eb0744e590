// Which provider and model a thread runs on when the application writes no `models` resolver (and
// `kiwi thread run`, which uses the same). Providers are plugins found from data, like sinks and harnesses: every `tool_type: provider` definition in the project's spaces (an installed package's
// `.ai/`, the project, the user space) is instantiated through the kernel's plugin loader and checked
// against PROVIDER_KIND. Nothing here imports a provider package: tiers, pricing and limits come from
// the provider's `models`, the key and endpoint variables from its `env`.
import { entryProblem, entryToolType, type Kernel, PROVIDER_KIND } from "@kiwi/kernel";
import { KiwiError, type ModelCost, type ProviderV1, type Usage } from "@kiwi/spec";

/** The `tool_type` of a provider definition. */
export const PROVIDER_TOOL_TYPE = "provider";

/** The first-party provider packages, named in messages (what to install) and never imported. */
export const KNOWN_PROVIDER_PACKAGES: Readonly<Record<string, string>> = {
  anthropic: "@kiwi/provider-anthropic",
  openai: "@kiwi/provider-openai",
};

/** What to do when the project has no provider at all. */
export const NO_PROVIDER_MESSAGE =
  "no provider plugin is installed in the project: install one in the project (npm install @kiwi/provider-anthropic, or @kiwi/provider-openai, or any package shipping a tool_type: provider definition); its .ai items are found through the project's package.json";

/** A provider instantiated from its data definition. */
export interface InstalledProvider {
  /** The provider's own id (`anthropic`): what `--provider` selects. */
  readonly id: string;
  /** The definition's tool id (`anthropic_provider`). */
  readonly itemId: string;
  readonly provider: ProviderV1;
  /** The space of the definition (`plugin:@kiwi/provider-anthropic`, `project`…). */
  readonly space?: string;
}

export interface ProviderDiscovery {
  /** Usable providers, ordered by id; one per provider id (the highest-precedence definition wins). */
  readonly providers: readonly InstalledProvider[];
  /** Definitions that could not be used, one line each (unsigned, modified, failing to load…). */
  readonly problems: readonly string[];
}

/**
 * Every provider the kernel's spaces define: the `tool_type: provider` items of the inventory,
 * instantiated through `kernel.instantiatePlugin` (verified, loaded, shape-checked). A definition that
 * cannot be used is reported in `problems`, never silently dropped.
 */
export async function discoverProviders(
  kernel: Pick<Kernel, "inventory" | "instantiatePlugin">,
): Promise<ProviderDiscovery> {
  const entries = (await kernel.inventory())
    // An unverified definition counts by the type it claims, so it is reported below, never skipped.
    .filter((e) => e.itemType === "tool" && entryToolType(e) === PROVIDER_TOOL_TYPE)
    .sort((a, b) => a.rank - b.rank);
  const seen = new Set<string>();
  const byId = new Map<string, InstalledProvider>();
  const problems: string[] = [];
  for (const entry of entries) {
    if (seen.has(entry.id)) continue; // shadowed by a higher-precedence space
    seen.add(entry.id);
    const problem = entryProblem(entry);
    if (problem) {
      problems.push(`${entry.label}: ${problem.code} ${problem.message}`);
      continue;
    }
    try {
      const provider = await kernel.instantiatePlugin({ itemId: entry.id, kind: PROVIDER_KIND });
      if (!byId.has(provider.id))
        byId.set(provider.id, { id: provider.id, itemId: entry.id, provider, space: entry.space.name });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      problems.push(`${entry.label}: ${e.code ?? "PLUGIN_LOAD_FAILED"} ${e.message ?? String(error)}`);
    }
  }
  const providers = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { providers, problems };
}

export type ProviderPick =
  | { ok: true; provider: InstalledProvider }
  /** `usage`: the command line asked for something that does not exist (exit 2). */
  | { ok: false; message: string; usage?: boolean };

function keyVar(p: InstalledProvider): string | undefined {
  return p.provider.env?.apiKey;
}

/**
 * `--provider <id>`, else the first installed provider (by id) whose key variable is set. Without the
 * key the chosen provider needs, a message saying what to set (or to try `kiwi demo`). A provider that
 * declares no key variable is used only when named with `--provider`.
 */
export function pickProvider(
  discovery: ProviderDiscovery,
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ProviderPick {
  const { providers, problems } = discovery;
  if (providers.length === 0) {
    const why = problems.length ? ` (unusable: ${problems.join("; ")})` : "";
    return { ok: false, message: `${NO_PROVIDER_MESSAGE}${why}` };
  }
  const has = (p: InstalledProvider) => {
    const key = keyVar(p);
    return key === undefined || Boolean(env[key]);
  };
  if (flag !== undefined) {
    const chosen = providers.find((p) => p.id === flag || p.itemId === flag);
    if (!chosen) {
      const known = KNOWN_PROVIDER_PACKAGES[flag];
      const install = known ? `; npm install ${known} for ${flag}` : "";
      return {
        ok: false,
        usage: true,
        message: `--provider must be one of ${providers.map((p) => p.id).join(", ")} (the providers installed in the project)${install}`,
      };
    }
    if (has(chosen)) return { ok: true, provider: chosen };
    const base = chosen.provider.env?.baseUrl;
    return {
      ok: false,
      message: `--provider ${chosen.id} needs ${keyVar(chosen)} in the environment${base ? ` (and ${base} for another endpoint)` : ""}; \`kiwi demo\` runs without a key on an embedded scripted model`,
    };
  }
  const keyed = providers.filter((p) => keyVar(p) !== undefined);
  const ready = keyed.find(has);
  if (ready) return { ok: true, provider: ready };
  const keys = keyed.map(keyVar).join(" or ");
  const bases = keyed.map((p) => p.provider.env?.baseUrl).filter(Boolean);
  const keyless = providers.filter((p) => keyVar(p) === undefined).map((p) => `--provider ${p.id}`);
  return {
    ok: false,
    message: `no model key: ${keys ? `set ${keys}` : "no installed provider reads a key"}${bases.length ? ` (optionally ${bases.join(" / ")} for another endpoint)` : ""}${keyless.length ? `, use ${keyless.join(" or ")} (no key needed)` : ""}, or try \`kiwi demo\`, which runs on an embedded scripted model without a key`,
  };
}

/** A directive's `<model>` element as the runtime hands it over. */
export interface DirectiveModelLike {
  readonly tier?: string;
  readonly id?: string;
}

const DEFAULT_TIER = "balanced";
/** Output tokens asked for per model call (capped by what the model can produce). */
const MAX_OUTPUT_TOKENS = 8192;

/** True when `model` is one of the provider's ids (its `models.owns`, else the ids its data knows). */
function owns(provider: ProviderV1, model: string): boolean {
  const models = provider.models;
  if (!models) return false;
  return models.owns ? models.owns(model) : models.contextWindow(model) !== undefined;
}

/**
 * The model a directive runs on: `--model`, else its `<model id>` when that id belongs to the provider,
 * else the provider's model for its tier (`models.tiers`, `balanced` when the tier is unknown). Throws
 * INVALID_INPUT when the provider names no model for the tier and none was given.
 */
export function modelFor(
  provider: ProviderV1,
  model: DirectiveModelLike | undefined,
  flag: string | undefined,
): string {
  if (flag) return flag;
  if (model?.id && owns(provider, model.id)) return model.id;
  const tiers = provider.models?.tiers ?? {};
  const tier = model?.tier ?? DEFAULT_TIER;
  const chosen = tiers[tier] ?? tiers[DEFAULT_TIER];
  if (chosen) return chosen;
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: `provider ${provider.id} names no model for tier '${tier}'${model?.id ? ` and does not serve '${model.id}'` : ""}: pass --model <id>`,
    context: { provider: provider.id, tier },
  });
}

export interface ResolvedModel {
  readonly provider: ProviderV1;
  readonly model: string;
  readonly price: (model: string, usage: Usage) => ModelCost;
  readonly contextWindow?: number;
  readonly maxTokens: number;
}

/** The provider object, pricing and limits for one model, all from the provider's `models`. */
export function resolveModel(provider: ProviderV1, model: string): ResolvedModel {
  const models = provider.models;
  const maxOutput = models?.maxOutputTokens(model);
  const contextWindow = models?.contextWindow(model);
  return {
    provider,
    model,
    // A provider without pricing data leaves every call unpriced (never $0).
    price: (m, usage) => models?.costOf(m, usage) ?? { unpriced: true },
    ...(contextWindow !== undefined ? { contextWindow } : {}),
    maxTokens: Math.min(maxOutput ?? MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS),
  };
}
