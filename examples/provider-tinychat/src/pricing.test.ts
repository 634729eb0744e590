import { describe, expect, it } from "vitest";
import { contextWindowOf, costOf, loadPricing, parsePricing } from "./pricing";

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

  it("names the file and every bad field", () => {
    const bad = `version: 1
source: x
retrieved: "2026-13-01"
models:
  - id: m
    context_window: 0
    max_output_tokens: 1
    prices:
      - {effective_from: "2026-02-01", input_per_mtok: 1, output_per_mtok: 1, cached_input_per_mtok: 1}
      - {effective_from: "2026-01-01", input_per_mtok: -1, output_per_mtok: 1, cached_input_per_mtok: 1}
`;
    expect(() => parsePricing(bad, "pricing.yaml")).toThrow(
      expect.objectContaining({
        code: "VALIDATION_FAILED",
        message: expect.stringMatching(/pricing\.yaml.*retrieved.*context_window.*input_per_mtok/s),
      }),
    );
  });
});
