import {
  costOf as anthropicCost,
  createAnthropicProvider,
  findModel as findAnthropicModel,
} from "@kiwi/provider-anthropic";
import {
  createOpenAIProvider,
  findModel as findOpenAIModel,
  costOf as openaiCost,
} from "@kiwi/provider-openai";
import type { ProviderV1, Usage } from "@kiwi/spec";
import { createFakeLlmServer, defaultDemoScript, type FakeLlmServer } from "@kiwi/testing/fake-llm";

type Env = Readonly<Record<string, string | undefined>>;
type Price = (model: string, usage: Usage) => { usd: number } | { unpriced: true };

/** The model the demo thread runs on: the embedded scripted LLM, or a real provider when a key is set. */
export interface DemoModel {
  /** "scripted" (no key, no network) or "live". */
  readonly mode: "scripted" | "live";
  readonly providerId: "anthropic" | "openai";
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

/** `<model tier="fast">` — the demo directive's tier — on each provider; KIWI_DEMO_MODEL overrides. */
const FAST_MODEL = { anthropic: "claude-haiku-4-5", openai: "gpt-4.1-mini" } as const;
const MAX_TOKENS = 2048;

function pricer(costOf: typeof anthropicCost): Price {
  return (model, usage) => {
    const c = costOf({ model, usage });
    return c.priced ? { usd: c.usd } : { unpriced: true };
  };
}

function priceNote(providerId: "anthropic" | "openai", model: string): string {
  const entry = providerId === "anthropic" ? findAnthropicModel(model) : findOpenAIModel(model);
  const price = entry?.prices.at(-1);
  if (!price) return `${model} has no price in the ${providerId} pricing data: unpriced, not $0`;
  return `${model} at $${price.input_per_mtok} / $${price.output_per_mtok} per million input / output tokens (${providerId} pricing data, effective ${price.effective_from})`;
}

/**
 * Picks the demo's model: `ANTHROPIC_API_KEY` → Anthropic, else `OPENAI_API_KEY` → OpenAI (each honours
 * its `*_BASE_URL`), else — or with `scripted` — the embedded fake LLM playing `defaultDemoScript()` on
 * loopback, spoken to in the Anthropic wire format through the very same provider plugin and endpoint
 * tools a real run uses. Its scripted token counts are priced as claude-haiku-4-5.
 */
export async function demoModel(options: { env: Env; scripted?: boolean }): Promise<DemoModel> {
  const { env } = options;
  const live: "anthropic" | "openai" | undefined = options.scripted
    ? undefined
    : env.ANTHROPIC_API_KEY
      ? "anthropic"
      : env.OPENAI_API_KEY
        ? "openai"
        : undefined;
  if (live) {
    const model = env.KIWI_DEMO_MODEL || FAST_MODEL[live];
    const anthropic = live === "anthropic";
    const base = anthropic
      ? (env.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com")
      : (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1");
    return {
      mode: "live",
      providerId: live,
      model,
      description: `${model} via ${live} at ${base} (${anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"} is set)`,
      env: { ...env },
      choice: {
        provider: anthropic ? createAnthropicProvider() : createOpenAIProvider(),
        model,
        price: pricer(anthropic ? anthropicCost : openaiCost),
        maxTokens: MAX_TOKENS,
      },
      priceNote: () => priceNote(live, model),
      close: async () => {},
    };
  }
  const fake = await createFakeLlmServer({ script: defaultDemoScript() });
  const model = FAST_MODEL.anthropic;
  return {
    mode: "scripted",
    providerId: "anthropic",
    model,
    description: `embedded scripted LLM at ${fake.url} (Anthropic wire format; no key, no network; set ANTHROPIC_API_KEY or OPENAI_API_KEY for a real model)`,
    // Only the Anthropic endpoint tools are pointed at the fake; nothing else of the environment changes.
    env: { ...env, ANTHROPIC_API_KEY: "kiwi-demo-scripted", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl },
    choice: {
      provider: createAnthropicProvider(),
      model,
      price: pricer(anthropicCost),
      maxTokens: MAX_TOKENS,
    },
    fake,
    priceNote: () => `scripted token counts priced as ${priceNote("anthropic", model)}`,
    close: () => fake.close(),
  };
}
