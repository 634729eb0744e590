// The figures of data/pricing.yaml. How pricing data is validated and priced by date is tested once, in
// @kiwi/provider-utils; what every provider's models must do, by the conformance suite.
import type { Usage } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { contextWindowOf, costOf, findModel, loadPricing, maxOutputTokensOf } from "./pricing";

const usage = (u: Partial<Usage>): Usage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  ...u,
});

describe("shipped pricing data", () => {
  it("loads, validates, and is cached", () => {
    const pricing = loadPricing();
    expect(pricing.version).toBe(1);
    expect(pricing.source).toContain("openai.com");
    expect(pricing.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pricing.models.length).toBeGreaterThan(3);
    expect(loadPricing()).toBe(pricing);
  });

  it("maps every tier Kiwi uses to a model (validated when the file is loaded)", () => {
    expect(loadPricing().tiers).toEqual({
      fast: "gpt-4.1-mini",
      balanced: "gpt-4.1",
      general: "gpt-4.1",
      reasoning: "o4-mini",
      expert: "o3",
      orchestrator: "gpt-4.1",
    });
  });

  it("prices a model, by id and by dated alias", () => {
    const u = usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 });
    const at = new Date("2025-09-01T12:00:00Z");
    expect(costOf({ model: "gpt-4.1", usage: u, at })).toEqual({
      usd: 10,
      priced: true,
      price_effective_from: "2025-04-14",
    });
    expect(costOf({ model: "gpt-4.1-2025-04-14", usage: u, at })).toMatchObject({ usd: 10 });
  });

  it("prices cached input at its own rate (gpt-5: $1.25 input, $0.125 cached, $10 output)", () => {
    const cost = costOf({
      model: "gpt-5",
      usage: usage({ input_tokens: 254, output_tokens: 61, cache_read_tokens: 1152 }),
      at: new Date("2025-09-01"),
    });
    // 254×1.25 + 61×10 + 1152×0.125 = 317.5 + 610 + 144 = 1071.5 µ$
    expect(cost.priced).toBe(true);
    if (cost.priced) expect(cost.usd).toBeCloseTo(0.0010715, 12);
  });

  it("o3's 2025-06-10 price cut: the shipped history picks the right price by date", () => {
    const u = usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 });
    expect(costOf({ model: "o3", usage: u, at: new Date("2025-05-01") })).toMatchObject({ usd: 50 });
    expect(costOf({ model: "o3-2025-04-16", usage: u, at: new Date("2025-07-01") })).toMatchObject({
      usd: 10,
      price_effective_from: "2025-06-10",
    });
  });

  it("an unknown model is unpriced, never $0", () => {
    const cost = costOf({ model: "gpt-unknown-9", usage: usage({ input_tokens: 10 }) });
    expect(cost).toEqual({ priced: false, reason: "unpriced_model" });
    expect("usd" in cost).toBe(false);
  });

  it("no prefix guessing: the pricier 2024-05-13 gpt-4o snapshot is not priced as gpt-4o", () => {
    expect(costOf({ model: "gpt-4o-2024-05-13", usage: usage({}) }).priced).toBe(false);
    expect(costOf({ model: "GPT-4O", usage: usage({}) }).priced).toBe(false);
  });

  it("context windows and output limits", () => {
    expect(contextWindowOf("gpt-4.1-mini-2025-04-14")).toBe(1_047_576);
    expect(contextWindowOf("gpt-5")).toBe(400_000);
    expect(maxOutputTokensOf("gpt-4o")).toBe(16_384);
    expect(contextWindowOf("nope")).toBeUndefined();
    expect(findModel("o4-mini-2025-04-16")?.id).toBe("o4-mini");
  });
});
