import { createFakeLlmServer, defaultDemoScript, type FakeLlmServer } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import {
  discoverProviders,
  type InstalledProvider,
  modelFor,
  NO_PROVIDER_MESSAGE,
  pickProvider,
} from "@kiwi/kiwi-harness";
import { KiwiError, type ModelCost, type ProviderV1, type Usage } from "@kiwi/spec";

type Env = Readonly<Record<string, string | undefined>>;
type Price = (model: string, usage: Usage) => ModelCost;

/** The model the demo thread runs on: the embedded scripted LLM, or a real provider when a key is set. */
export interface DemoModel {
  /** "scripted" (no key, no network) or "live". */
  readonly mode: "scripted" | "live";
  /** The provider's id (`anthropic`, `openai`), as its plugin reports it. */
  readonly providerId: string;
  readonly model: string;
  /** One line for the output: what answers and where. */
  readonly description: string;
  /** Environment for the thread runtime's kernel (`${ANTHROPIC_BASE_URL}` etc. in the endpoint tools). */
  readonly env: Record<string, string | undefined>;
  readonly choice: { provider: ProviderV1; model: string; price: Price; maxTokens: number };
  /** The scripted server, when scripted. */
  readonly fake?: FakeLlmServer;
  /** The effective date of the price used for the summary, when the model is priced. */
  priceNote(): string;
  close(): Promise<void>;
}

/** The demo directive's `<model tier="fast">`; KIWI_DEMO_MODEL overrides the provider's model for it. */
const DEMO_TIER = { tier: "fast" } as const;
const MAX_TOKENS = 2048;
/** The provider the scripted LLM is spoken to through (the fake serves its wire format). */
const SCRIPTED_PROVIDER = "anthropic";

function pricer(provider: ProviderV1): Price {
  return (model, usage) => provider.models?.costOf(model, usage) ?? { unpriced: true };
}

const MTOK: Usage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 };
const dollars = (n: number) => `$${Number(n.toFixed(6))}`;

/** The price per million input and output tokens, read back from the provider's own `costOf`. */
function priceNote(provider: ProviderV1, model: string): string {
  const input = pricer(provider)(model, { ...MTOK, input_tokens: 1_000_000 });
  const output = pricer(provider)(model, { ...MTOK, output_tokens: 1_000_000 });
  if ("unpriced" in input || "unpriced" in output) {
    return `${model} has no price in the ${provider.id} pricing data: unpriced, not $0`;
  }
  const since = input.price_effective_from ? `, effective ${input.price_effective_from}` : "";
  return `${model} at ${dollars(input.usd)} / ${dollars(output.usd)} per million input / output tokens (${provider.id} pricing data${since})`;
}

/**
 * Picks the demo's model from the providers installed in the demo project (found from their data
 * definitions and instantiated through the kernel, like any third-party provider): the first whose key
 * is set (`ANTHROPIC_API_KEY` → Anthropic, else `OPENAI_API_KEY` → OpenAI; each honours its `*_BASE_URL`),
 * else — or with `scripted` — the embedded fake LLM playing `defaultDemoScript()` on loopback, spoken to
 * in the Anthropic wire format through the very same provider plugin and endpoint tools a real run uses.
 * Its scripted token counts are priced as the provider's `fast` model.
 */
export async function demoModel(options: {
  env: Env;
  scripted?: boolean;
  project: string;
  userSpace: string;
}): Promise<DemoModel> {
  const { env } = options;
  const kernel = await createKernel({ projectRoot: options.project, userSpace: options.userSpace, env });
  const discovery = await discoverProviders(kernel);
  if (!options.scripted) {
    const pick = pickProvider(discovery, undefined, env);
    if (pick.ok && pick.provider.provider.env?.apiKey) return liveModel(pick.provider, env);
  }
  const installed = discovery.providers.find((p) => p.id === SCRIPTED_PROVIDER);
  if (!installed) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `the demo project has no ${SCRIPTED_PROVIDER} provider: ${NO_PROVIDER_MESSAGE}`,
      context: { provider: SCRIPTED_PROVIDER },
    });
  }
  const { provider } = installed;
  const keyVar = provider.env?.apiKey ?? "ANTHROPIC_API_KEY";
  const baseVar = provider.env?.baseUrl ?? "ANTHROPIC_BASE_URL";
  const fake = await createFakeLlmServer({ script: defaultDemoScript() });
  const model = modelFor(provider, DEMO_TIER, undefined);
  return {
    mode: "scripted",
    providerId: provider.id,
    model,
    description: `embedded scripted LLM at ${fake.url} (Anthropic wire format; no key, no network; set ANTHROPIC_API_KEY or OPENAI_API_KEY for a real model)`,
    // Only the provider's endpoint tools are pointed at the fake; nothing else of the environment changes.
    env: { ...env, [keyVar]: "kiwi-demo-scripted", [baseVar]: fake.anthropicBaseUrl },
    choice: { provider, model, price: pricer(provider), maxTokens: MAX_TOKENS },
    fake,
    priceNote: () => `scripted token counts priced as ${priceNote(provider, model)}`,
    close: () => fake.close(),
  };
}

function liveModel(installed: InstalledProvider, env: Env): DemoModel {
  const { provider } = installed;
  const model = modelFor(provider, DEMO_TIER, env.KIWI_DEMO_MODEL || undefined);
  const baseVar = provider.env?.baseUrl;
  const base = (baseVar ? env[baseVar] : undefined) ?? provider.env?.defaultBaseUrl ?? "its default endpoint";
  return {
    mode: "live",
    providerId: provider.id,
    model,
    description: `${model} via ${provider.id} at ${base} (${provider.env?.apiKey} is set)`,
    env: { ...env },
    choice: { provider, model, price: pricer(provider), maxTokens: MAX_TOKENS },
    priceNote: () => priceNote(provider, model),
    close: async () => {},
  };
}
