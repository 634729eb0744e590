import { pricingFile } from "@kiwi/provider-utils/node";

// `data/` sits beside `src/` and `dist/`, so the same relative URL works from the sources and the build.
// Read and validated (tiers included) at the first lookup, then cached.
export const { loadPricing, costOf, findModel, contextWindowOf, maxOutputTokensOf } = pricingFile(
  new URL("../data/pricing.yaml", import.meta.url),
);
