import { createProviderModels } from "@kiwi/provider-utils";
import type { ProviderModels } from "@kiwi/spec";
import { loadPricing } from "./pricing";

/** Chat model families served by the Chat Completions endpoint (`gpt-*`, `o1`/`o3`/`o4-*`, `chatgpt-*`, fine-tunes). */
const OPENAI_ID = /^(gpt-|chatgpt-|o\d+(-|$)|ft:)/;

/**
 * The `models` of the openai provider, from the shipped pricing data (`data/pricing.yaml`): costs
 * (unpriced, never $0, for a model the data does not price), context windows, output limits, the tier
 * defaults the data lists, and which ids are OpenAI's (its model families, or listed in the data).
 */
export function openaiModels(): ProviderModels {
  return createProviderModels({ pricing: loadPricing(), owns: (model) => OPENAI_ID.test(model) });
}
