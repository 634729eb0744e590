import type { ProviderModels } from "@kiwi/spec";
import { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";

/**
 * A directive's `<model tier>` → the Anthropic model a host uses by default. Every id here is priced in
 * `data/pricing.yaml` (a test checks it).
 */
export const ANTHROPIC_TIERS: Readonly<Record<string, string>> = Object.freeze({
  fast: "claude-haiku-4-5",
  balanced: "claude-sonnet-4-6",
  general: "claude-sonnet-4-6",
  reasoning: "claude-opus-4-6",
  expert: "claude-opus-4-6",
  orchestrator: "claude-sonnet-4-6",
});

/**
 * The `models` of the anthropic provider, from the shipped pricing data: costs (unpriced, never $0, for
 * a model the data does not price), context windows, output limits, tier defaults, and which ids are
 * Anthropic's (`claude-*` or listed in the data).
 */
export function anthropicModels(): ProviderModels {
  return {
    tiers: ANTHROPIC_TIERS,
    costOf(model, usage, at) {
      const cost = costOf({ model, usage, ...(at ? { at } : {}) });
      return cost.priced
        ? { usd: cost.usd, price_effective_from: cost.price_effective_from }
        : { unpriced: true };
    },
    contextWindow: (model) => contextWindowOf(model),
    maxOutputTokens: (model) => maxOutputTokensOf(model),
    owns: (model) => model.startsWith("claude-") || findModel(model) !== undefined,
  };
}
