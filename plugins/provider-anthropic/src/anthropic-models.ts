import { createProviderModels } from "@kiwi/provider-utils";
import type { ProviderModels } from "@kiwi/spec";
import { loadPricing } from "./pricing";

/**
 * The `models` of the anthropic provider, from the shipped pricing data (`data/pricing.yaml`): costs
 * (unpriced, never $0, for a model the data does not price), context windows, output limits, the tier
 * defaults the data lists, and which ids are Anthropic's (`claude-*` or listed in the data).
 */
export function anthropicModels(): ProviderModels {
  return createProviderModels({ pricing: loadPricing(), owns: (model) => model.startsWith("claude-") });
}
