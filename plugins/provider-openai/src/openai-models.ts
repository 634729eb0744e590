import type { ProviderModels } from "@kiwi/spec";
import { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";

/**
 * A directive's `<model tier>` → the OpenAI model a host uses by default. Every id here is priced in
 * `data/pricing.yaml` (a test checks it).
 */
export const OPENAI_TIERS: Readonly<Record<string, string>> = Object.freeze({
  fast: "gpt-4.1-mini",
  balanced: "gpt-4.1",
  general: "gpt-4.1",
  reasoning: "o4-mini",
  expert: "o3",
  orchestrator: "gpt-4.1",
});

/** Chat model families served by the Chat Completions endpoint (`gpt-*`, `o1`/`o3`/`o4-*`, `chatgpt-*`, fine-tunes). */
const OPENAI_ID = /^(gpt-|chatgpt-|o\d+(-|$)|ft:)/;

/**
 * The `models` of the openai provider, from the shipped pricing data: costs (unpriced, never $0, for a
 * model the data does not price), context windows, output limits, tier defaults, and which ids are
 * OpenAI's (its model families, or listed in the data).
 */
export function openaiModels(): ProviderModels {
  return {
    tiers: OPENAI_TIERS,
    costOf(model, usage, at) {
      const cost = costOf({ model, usage, ...(at ? { at } : {}) });
      return cost.priced
        ? { usd: cost.usd, price_effective_from: cost.price_effective_from }
        : { unpriced: true };
    },
    contextWindow: (model) => contextWindowOf(model),
    maxOutputTokens: (model) => maxOutputTokensOf(model),
    owns: (model) => OPENAI_ID.test(model) || findModel(model) !== undefined,
  };
}
