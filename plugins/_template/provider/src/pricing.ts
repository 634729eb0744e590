import { pricingFile } from "@kiwi/provider-utils/node";

// `data/pricing.yaml` is read, validated (tiers included) and priced by @kiwi/provider-utils: a provider
// writes no pricing code. `data/` sits beside `src/` and `dist/`, so this URL works from both.
export const { loadPricing, costOf, findModel, contextWindowOf, maxOutputTokensOf } = pricingFile(
  new URL("../data/pricing.yaml", import.meta.url),
);
