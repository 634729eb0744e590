import type { ProviderModels } from "@kiwi/spec";
import { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";
import type { Pricing } from "./pricing-types";

/**
 * A provider's `models` (ProviderModels) from its pricing data: costs (unpriced, never $0, for a model the
 * data does not price), context windows, output limits, the data's tier defaults, and which ids are the
 * provider's — those `owns` accepts (its naming, e.g. `claude-*`) and every id or alias of the data.
 */
export function createProviderModels(options: {
  pricing: Pricing;
  owns?: (model: string) => boolean;
}): ProviderModels {
  const { pricing, owns } = options;
  return {
    tiers: pricing.tiers,
    costOf(model, usage, at) {
      const cost = costOf({ model, usage, pricing, ...(at ? { at } : {}) });
      return cost.priced
        ? { usd: cost.usd, price_effective_from: cost.price_effective_from }
        : { unpriced: true };
    },
    contextWindow: (model) => contextWindowOf(model, pricing),
    maxOutputTokens: (model) => maxOutputTokensOf(model, pricing),
    owns: (model) => owns?.(model) === true || findModel(model, pricing) !== undefined,
  };
}
