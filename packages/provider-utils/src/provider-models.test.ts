import { describe, expect, it } from "vitest";
import { parsePricing } from "./parse-pricing";
import { createProviderModels } from "./provider-models";
import { HISTORY, usage } from "./test-pricing";

describe("createProviderModels", () => {
  const pricing = parsePricing(HISTORY, "history.yaml");
  const models = createProviderModels({ pricing, owns: (model) => model.startsWith("model-") });
  const u = usage({ input_tokens: 1_000_000 });

  it("prices in the ModelCost shape: usd and the day the price took effect, or unpriced", () => {
    expect(models.costOf("model-a", u, new Date("2025-07-01"))).toEqual({
      usd: 2,
      price_effective_from: "2025-06-10",
    });
    expect(models.costOf("model-a", u, new Date("2024-01-01"))).toEqual({ unpriced: true });
    expect(models.costOf("limits-only", u)).toEqual({ unpriced: true });
    expect(models.costOf("other", u)).toEqual({ unpriced: true });
  });

  it("without a date, prices at the current day", () => {
    expect(models.costOf("model-a", u)).toEqual({ usd: 2, price_effective_from: "2025-06-10" });
  });

  it("carries the data's tiers and limits", () => {
    expect(models.tiers).toBe(pricing.tiers);
    expect(models.contextWindow("limits-only")).toBe(50_000);
    expect(models.maxOutputTokens("model-a-20250101")).toBe(8000);
    expect(models.contextWindow("other")).toBeUndefined();
  });

  it("owns the ids its naming accepts and every id or alias of its data", () => {
    expect(models.owns?.("model-z")).toBe(true);
    expect(models.owns?.("limits-only")).toBe(true);
    expect(models.owns?.("other")).toBe(false);
    const strict = createProviderModels({ pricing });
    expect([strict.owns?.("model-z"), strict.owns?.("model-a-20250101")]).toEqual([false, true]);
  });
});
