import { describe, expect, it } from "vitest";
// The figures of data/pricing.yaml. Validation and pricing by date are @kiwi/provider-utils' (tested there).
import { contextWindowOf, costOf, loadPricing } from "./pricing";

const usage = {
  input_tokens: 1_000_000,
  output_tokens: 1_000_000,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
};

describe("pricing data", () => {
  it("ships valid data", () => {
    expect(loadPricing().models.map((m) => m.id)).toEqual(["tiny-1", "tiny-2-preview"]);
    expect(contextWindowOf("tiny-1")).toBe(32000);
    expect(contextWindowOf("tiny-1-2026-01-01")).toBe(32000);
    expect(contextWindowOf("tiny-1-mini")).toBeUndefined();
  });

  it("charges the price in force on the day of the call", () => {
    expect(costOf({ model: "tiny-1", usage, at: new Date("2026-03-01") })).toEqual({
      priced: true,
      usd: 2,
      price_effective_from: "2026-01-01",
    });
    expect(costOf({ model: "tiny-1", usage, at: new Date("2026-07-01") })).toMatchObject({ usd: 1.6 });
    expect(costOf({ model: "tiny-1", usage, at: new Date("2025-12-31") })).toEqual({
      priced: false,
      reason: "no_price_at_date",
    });
  });

  it("reports a model without a price as unpriced, never $0", () => {
    expect(costOf({ model: "tiny-2-preview", usage })).toEqual({ priced: false, reason: "unpriced_model" });
    expect(costOf({ model: "unknown", usage })).toEqual({ priced: false, reason: "unpriced_model" });
  });

  it("maps tiers to priced models (the file is validated, tiers included, when it is loaded)", () => {
    expect(loadPricing().tiers).toEqual({ fast: "tiny-1", balanced: "tiny-1" });
  });

  it("bills a cache write as plain input (Tinychat has none; the data says so)", () => {
    const write = { ...usage, input_tokens: 0, output_tokens: 0, cache_creation_tokens: 1_000_000 };
    expect(costOf({ model: "tiny-1", usage: write, at: new Date("2026-03-01") })).toMatchObject({ usd: 0.5 });
  });
});
