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
    expect(pricing.source).toContain("claude.com");
    expect(pricing.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pricing.models.length).toBeGreaterThan(3);
    expect(loadPricing()).toBe(pricing);
  });

  it("maps every tier Kiwi uses to a model (validated when the file is loaded)", () => {
    expect(loadPricing().tiers).toEqual({
      fast: "claude-haiku-4-5",
      balanced: "claude-sonnet-4-6",
      general: "claude-sonnet-4-6",
      reasoning: "claude-opus-4-6",
      expert: "claude-opus-4-6",
      orchestrator: "claude-sonnet-4-6",
    });
  });

  it("prices a current model, by id and by dated alias", () => {
    const u = usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 });
    const at = new Date("2026-11-25T12:00:00Z");
    expect(costOf({ model: "claude-sonnet-4-5", usage: u, at })).toEqual({
      usd: 18,
      priced: true,
      price_effective_from: "2025-09-29",
    });
    expect(costOf({ model: "claude-sonnet-4-5-20250929", usage: u, at })).toMatchObject({ usd: 18 });
  });

  it("prices cache reads and writes at their own rates (Haiku 4.5: $0.10 read, $1.25 write)", () => {
    const cost = costOf({
      model: "claude-haiku-4-5",
      usage: usage({
        input_tokens: 1000,
        output_tokens: 500,
        cache_read_tokens: 100_000,
        cache_creation_tokens: 20_000,
      }),
      at: new Date("2026-01-01"),
    });
    // 1000×1 + 500×5 + 100000×0.1 + 20000×1.25 = 1000 + 2500 + 10000 + 25000 = 38500 µ$
    expect(cost.priced).toBe(true);
    if (cost.priced) expect(cost.usd).toBeCloseTo(0.0385, 10);
  });

  it("an unknown model is unpriced, never $0", () => {
    const cost = costOf({ model: "claude-unknown-9", usage: usage({ input_tokens: 10 }) });
    expect(cost).toEqual({ priced: false, reason: "unpriced_model" });
    expect("usd" in cost).toBe(false);
  });

  it("no prefix guessing: a near miss of a known id is unpriced", () => {
    expect(costOf({ model: "claude-sonnet-4-5-20991231", usage: usage({}) }).priced).toBe(false);
    expect(costOf({ model: "CLAUDE-SONNET-4-5", usage: usage({}) }).priced).toBe(false);
  });

  it("context windows and output limits", () => {
    expect(contextWindowOf("claude-haiku-4-5-20251001")).toBe(200_000);
    expect(contextWindowOf("claude-opus-4-6")).toBe(1_000_000);
    expect(maxOutputTokensOf("claude-opus-4-6")).toBe(128_000);
    expect(contextWindowOf("nope")).toBeUndefined();
    expect(findModel("claude-opus-4-5-20251101")?.id).toBe("claude-opus-4-5");
  });
});
