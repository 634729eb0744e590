import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Usage } from "@kiwi/spec";
import { type Cost, contextWindowOf, costOf, findModel, maxOutputTokensOf } from "../cost-of";
import { parsePricing } from "../parse-pricing";
import type { PricedModel, Pricing } from "../pricing-types";

/** The lookups of one shipped pricing file; each takes another `pricing` when given (tests, overrides). */
export interface PricingFile {
  /** Reads and validates the file (once; later calls reuse it). */
  loadPricing(): Pricing;
  costOf(options: { model: string; usage: Usage; at?: Date; pricing?: Pricing }): Cost;
  findModel(model: string, pricing?: Pricing): PricedModel | undefined;
  contextWindowOf(model: string, pricing?: Pricing): number | undefined;
  maxOutputTokensOf(model: string, pricing?: Pricing): number | undefined;
}

/**
 * Binds the pricing lookups to the data file a provider package ships. Give the URL relative to the
 * module (`new URL("../data/pricing.yaml", import.meta.url)`): `data/` beside `src/` and `dist/` works from
 * the sources and from the build. The file is read lazily, at the first lookup, and validated then.
 */
export function pricingFile(url: URL): PricingFile {
  let cached: Pricing | undefined;
  const loadPricing = (): Pricing => {
    if (cached === undefined) {
      const file = fileURLToPath(url);
      cached = parsePricing(readFileSync(file, "utf8"), file);
    }
    return cached;
  };
  return {
    loadPricing,
    costOf: ({ pricing = loadPricing(), ...rest }) => costOf({ ...rest, pricing }),
    findModel: (model, pricing = loadPricing()) => findModel(model, pricing),
    contextWindowOf: (model, pricing = loadPricing()) => contextWindowOf(model, pricing),
    maxOutputTokensOf: (model, pricing = loadPricing()) => maxOutputTokensOf(model, pricing),
  };
}
