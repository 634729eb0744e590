import { pricingFile } from "@kiwi/provider-utils/node";

// The pricing data is in the format every Kiwi provider shares, so @kiwi/provider-utils reads, validates
// (tiers included) and prices it: a provider writes no pricing code of its own. `data/` sits beside `src/`
// and `dist/`, so the same relative URL works from the sources and the build.
export const { loadPricing, costOf, findModel, contextWindowOf, maxOutputTokensOf } = pricingFile(
  new URL("../data/pricing.yaml", import.meta.url),
);
