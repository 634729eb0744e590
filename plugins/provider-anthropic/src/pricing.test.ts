import type { Usage } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";
import { loadPricing } from "./load-pricing";
import { parsePricing } from "./parse-pricing";

const usage = (u: Partial<Usage>): Usage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  ...u,
});

const HISTORY = `
version: 1
source: test
retrieved: "2026-01-01"
models:
  - id: model-a
    aliases: [model-a-20250101]
    context_window: 100000
    max_output_tokens: 8000
    prices:
      - effective_from: "2025-01-01"
        input_per_mtok: 10
        output_per_mtok: 40
        cache_read_per_mtok: 1
        cache_write_per_mtok: 12.5
      - effective_from: "2025-06-10"
        input_per_mtok: 2
        output_per_mtok: 8
        cache_read_per_mtok: 0.2
        cache_write_per_mtok: 2.5
  - id: limits-only
    context_window: 50000
    max_output_tokens: 4000
    prices: []
`;

describe("shipped pricing data", () => {
  it("loads, validates, and is cached", () => {
    const pricing = loadPricing();
    expect(pricing.version).toBe(1);
    expect(pricing.source).toContain("claude.com");
    expect(pricing.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pricing.models.length).toBeGreaterThan(3);
    expect(loadPricing()).toBe(pricing);
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

describe("effective dates", () => {
  const pricing = parsePricing(HISTORY, "history.yaml");
  const u = usage({ input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_tokens: 1_000_000 });

  it("chooses the price in force on the day", () => {
    expect(costOf({ model: "model-a", usage: u, at: new Date("2025-03-01T00:00:00Z"), pricing })).toEqual({
      usd: 51,
      priced: true,
      price_effective_from: "2025-01-01",
    });
    expect(costOf({ model: "model-a", usage: u, at: new Date("2025-06-10T00:00:00Z"), pricing })).toEqual({
      usd: 10.2,
      priced: true,
      price_effective_from: "2025-06-10",
    });
    expect(
      costOf({ model: "model-a-20250101", usage: u, at: new Date("2025-06-09T23:59:59Z"), pricing }),
    ).toMatchObject({
      price_effective_from: "2025-01-01",
    });
  });

  it("before the first price: unpriced with no_price_at_date", () => {
    expect(costOf({ model: "model-a", usage: u, at: new Date("2024-12-31T23:59:59Z"), pricing })).toEqual({
      priced: false,
      reason: "no_price_at_date",
    });
  });

  it("a model with limits but no price is unpriced and still has a context window", () => {
    expect(costOf({ model: "limits-only", usage: u, pricing })).toEqual({
      priced: false,
      reason: "unpriced_model",
    });
    expect(contextWindowOf("limits-only", pricing)).toBe(50_000);
  });

  it("an invalid date is refused", () => {
    expect(() => costOf({ model: "model-a", usage: u, at: new Date("nope"), pricing })).toThrow(
      /invalid Date/,
    );
  });
});

describe("validation names the file and the field", () => {
  const bad = (text: string): KiwiError => {
    try {
      parsePricing(text, "/x/pricing.yaml");
    } catch (error) {
      if (KiwiError.isInstance(error)) return error;
      throw error;
    }
    throw new Error("expected a validation error");
  };

  it.each([
    ["version: 2\nsource: s\nretrieved: '2025-01-01'\nmodels: []", "version"],
    [
      "version: 1\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: []}]",
      "source",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-02-30'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: []}]",
      "retrieved",
    ],
    ["version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: []", "models"],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: -1, max_output_tokens: 1, prices: []}]",
      "models[0].context_window",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1.5, prices: []}]",
      "models[0].max_output_tokens",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1}]",
      "models[0].prices",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: [{effective_from: '2025-01-01', input_per_mtok: '3', output_per_mtok: 1, cache_read_per_mtok: 0, cache_write_per_mtok: 0}]}]",
      "models[0].prices[0].input_per_mtok",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: [{effective_from: 2025-01-01, input_per_mtok: 1, output_per_mtok: 1, cache_read_per_mtok: 0}]}]",
      "models[0].prices[0].cache_write_per_mtok",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: [{effective_from: '2025-05-01', input_per_mtok: 1, output_per_mtok: 1, cache_read_per_mtok: 0, cache_write_per_mtok: 0}, {effective_from: '2025-01-01', input_per_mtok: 1, output_per_mtok: 1, cache_read_per_mtok: 0, cache_write_per_mtok: 0}]}]",
      "models[0].prices[1].effective_from",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: []}, {id: b, aliases: [a], context_window: 1, max_output_tokens: 1, prices: []}]",
      "models[1]",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: [], price: 3}]",
      "models[0].price",
    ],
  ])("%#: %s → %s", (text, field) => {
    const error = bad(text);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain("/x/pricing.yaml");
    expect(error.context.file).toBe("/x/pricing.yaml");
    const fields = (error.context.issues as { field: string }[]).map((i) => i.field);
    expect(fields).toContain(field);
  });

  it("YAML that does not parse is a PARSE_ERROR naming the file", () => {
    const error = bad("version: [1\n");
    expect(error.code).toBe("PARSE_ERROR");
    expect(error.message).toContain("/x/pricing.yaml");
  });

  it("collects every problem at once", () => {
    const error = bad("version: 3\nmodels: 7");
    expect((error.context.issues as unknown[]).length).toBeGreaterThanOrEqual(4);
  });
});
