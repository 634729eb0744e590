import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Pricing, parsePricing } from "./parse-pricing";

// `data/` sits beside `src/` and `dist/`, so the same relative URL works from the sources and the build.
const PRICING_URL = new URL("../data/pricing.yaml", import.meta.url);

let cached: Pricing | undefined;

/** Reads and validates the pricing data shipped with this package (once; later calls reuse it). */
export function loadPricing(): Pricing {
  if (cached === undefined) {
    const file = fileURLToPath(PRICING_URL);
    cached = parsePricing(readFileSync(file, "utf8"), file);
  }
  return cached;
}
