// Which provider and model `kiwi thread run` uses: --provider / --model, else the keys in the
// environment, else the directive's <model> (id, then tier).
import {
  contextWindowOf as anthropicContext,
  costOf as anthropicCost,
  maxOutputTokensOf as anthropicMaxOutput,
  createAnthropicProvider,
} from "@kiwi/provider-anthropic";
import {
  createOpenAIProvider,
  contextWindowOf as openaiContext,
  costOf as openaiCost,
  maxOutputTokensOf as openaiMaxOutput,
} from "@kiwi/provider-openai";
import type { ProviderV1, Usage } from "@kiwi/spec";

export const PROVIDERS = ["anthropic", "openai"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const KEY_VARS: Record<ProviderName, string> = {
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
};

/** The directive's `<model tier>` mapped to a model of each provider. */
export const TIER_MODELS: Record<ProviderName, Record<string, string>> = {
  anthropic: {
    fast: "claude-haiku-4-5",
    balanced: "claude-sonnet-4-6",
    general: "claude-sonnet-4-6",
    reasoning: "claude-opus-4-6",
    expert: "claude-opus-4-6",
    orchestrator: "claude-sonnet-4-6",
  },
  openai: {
    fast: "gpt-4.1-mini",
    balanced: "gpt-4.1",
    general: "gpt-4.1",
    reasoning: "o4-mini",
    expert: "o3",
    orchestrator: "gpt-4.1",
  },
};

const DEFAULT_TIER = "balanced";
/** Output tokens asked for per model call (capped by what the model can produce). */
const MAX_OUTPUT_TOKENS = 8192;

export type ProviderPick = { ok: true; provider: ProviderName } | { ok: false; message: string };

/**
 * `--provider`, else anthropic when ANTHROPIC_API_KEY is set, else openai when OPENAI_API_KEY is set.
 * Without the key the chosen provider needs, a message saying what to set (or to try `kiwi demo`).
 */
export function pickProvider(
  flag: ProviderName | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ProviderPick {
  const has = (p: ProviderName) => Boolean(env[KEY_VARS[p]]);
  if (flag) {
    return has(flag)
      ? { ok: true, provider: flag }
      : {
          ok: false,
          message: `--provider ${flag} needs ${KEY_VARS[flag]} in the environment (and ${flag === "anthropic" ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL"} for another endpoint); \`kiwi demo\` runs without a key on an embedded scripted model`,
        };
  }
  if (has("anthropic")) return { ok: true, provider: "anthropic" };
  if (has("openai")) return { ok: true, provider: "openai" };
  return {
    ok: false,
    message:
      "no model key: set ANTHROPIC_API_KEY or OPENAI_API_KEY (optionally ANTHROPIC_BASE_URL / OPENAI_BASE_URL for another endpoint), or try `kiwi demo`, which runs on an embedded scripted model without a key",
  };
}

/** A directive's `<model>` element as the runtime hands it over. */
export interface DirectiveModelLike {
  readonly tier?: string;
  readonly id?: string;
}

/** The model a directive runs on: --model, else its `id` when it belongs to the provider, else its tier's model. */
export function modelFor(
  provider: ProviderName,
  model: DirectiveModelLike | undefined,
  flag: string | undefined,
): string {
  if (flag) return flag;
  const isAnthropic = (id: string) => id.startsWith("claude");
  if (model?.id && isAnthropic(model.id) === (provider === "anthropic")) return model.id;
  const tiers = TIER_MODELS[provider];
  return tiers[model?.tier ?? DEFAULT_TIER] ?? tiers[DEFAULT_TIER]!;
}

export interface ResolvedModel {
  readonly provider: ProviderV1;
  readonly model: string;
  readonly price: (model: string, usage: Usage) => { usd: number } | { unpriced: true };
  readonly contextWindow?: number;
  readonly maxTokens: number;
}

/** The provider object, pricing and limits for one model (pricing data ships with the provider package). */
export function resolveModel(provider: ProviderName, model: string): ResolvedModel {
  const anthropic = provider === "anthropic";
  const costOf = anthropic ? anthropicCost : openaiCost;
  const maxOutput = (anthropic ? anthropicMaxOutput : openaiMaxOutput)(model);
  return {
    provider: anthropic ? createAnthropicProvider() : createOpenAIProvider(),
    model,
    price: (m, usage) => {
      const c = costOf({ model: m, usage });
      return c.priced ? { usd: c.usd } : { unpriced: true };
    },
    contextWindow: (anthropic ? anthropicContext : openaiContext)(model),
    maxTokens: Math.min(maxOutput ?? MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS),
  };
}
