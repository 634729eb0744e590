import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { parsePricing } from "./parse-pricing";
import { HISTORY, ONE_MODEL } from "./test-pricing";

const bad = (text: string): KiwiError => {
  try {
    parsePricing(text, "/x/pricing.yaml");
  } catch (error) {
    if (KiwiError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a validation error");
};

const model = (fields: string) =>
  `${ONE_MODEL}models: [{id: a, context_window: 1, max_output_tokens: 1, ${fields}}]`;
// JSON is YAML: a price row with some fields replaced (or, with `undefined`, left out).
const price = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    effective_from: "2025-01-01",
    input_per_mtok: 1,
    output_per_mtok: 1,
    cache_read_per_mtok: 0,
    cache_write_per_mtok: 0,
    ...fields,
  });

describe("parsePricing", () => {
  it("reads models, aliases, prices oldest first, and tiers", () => {
    const pricing = parsePricing(HISTORY, "history.yaml");
    expect(pricing).toMatchObject({ version: 1, source: "test", retrieved: "2026-01-01" });
    expect(pricing.tiers).toEqual({ fast: "model-a-20250101", balanced: "model-a" });
    expect(Object.isFrozen(pricing.tiers)).toBe(true);
    expect(pricing.models.map((m) => [m.id, m.aliases, m.prices.length])).toEqual([
      ["model-a", ["model-a-20250101"], 2],
      ["limits-only", [], 0],
    ]);
  });

  it("a file without tiers has none", () => {
    const pricing = parsePricing(model("prices: []"), "p.yaml");
    expect(pricing.tiers).toEqual({});
  });
});

describe("validation names the file and the field", () => {
  it.each([
    [`version: 2\nsource: s\nretrieved: '2025-01-01'\nmodels: []`, "version"],
    [
      "version: 1\nretrieved: '2025-01-01'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: []}]",
      "source",
    ],
    [
      "version: 1\nsource: s\nretrieved: '2025-02-30'\nmodels: [{id: a, context_window: 1, max_output_tokens: 1, prices: []}]",
      "retrieved",
    ],
    [`${ONE_MODEL}models: []`, "models"],
    [
      `${ONE_MODEL}models: [{id: a, context_window: -1, max_output_tokens: 1, prices: []}]`,
      "models[0].context_window",
    ],
    [
      `${ONE_MODEL}models: [{id: a, context_window: 1, max_output_tokens: 1.5, prices: []}]`,
      "models[0].max_output_tokens",
    ],
    [`${ONE_MODEL}models: [{id: a, context_window: 1, max_output_tokens: 1}]`, "models[0].prices"],
    [model(`prices: [${price({ input_per_mtok: "3" })}]`), "models[0].prices[0].input_per_mtok"],
    [
      model(`prices: [${price({ cache_write_per_mtok: undefined })}]`),
      "models[0].prices[0].cache_write_per_mtok",
    ],
    [
      model(`prices: [${price({ effective_from: "2025-05-01" })}, ${price()}]`),
      "models[0].prices[1].effective_from",
    ],
    [model(`prices: [${price({ discount: 1 })}]`), "models[0].prices[0].discount"],
    [
      `${ONE_MODEL}models: [{id: a, context_window: 1, max_output_tokens: 1, prices: []}, {id: b, aliases: [a], context_window: 1, max_output_tokens: 1, prices: []}]`,
      "models[1]",
    ],
    [model("prices: [], price: 3"), "models[0].price"],
    [`${model("prices: []")}\nmodel_tiers: {}`, "model_tiers"],
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

describe("tiers are validated when the data is loaded", () => {
  const priced = `{id: a, aliases: [a-1], context_window: 1, max_output_tokens: 1, prices: [${price()}]}`;
  const unpriced = "{id: u, context_window: 1, max_output_tokens: 1, prices: []}";
  const withTiers = (tiers: string) => `${ONE_MODEL}tiers: ${tiers}\nmodels: [${priced}, ${unpriced}]`;
  const issues = (text: string) =>
    (bad(text).context.issues as { field: string; message: string }[]).map((i) => [i.field, i.message]);

  it("accepts tiers naming priced models by id or alias", () => {
    expect(parsePricing(withTiers("{balanced: a, fast: a-1}"), "p.yaml").tiers).toEqual({
      balanced: "a",
      fast: "a-1",
    });
  });

  it.each([
    ["{balanced: a, quick: a}", "tiers.quick", /not a tier Kiwi knows \(fast, balanced, general/],
    ["{balanced: b}", "tiers.balanced", /"b", which is not a model id or alias of this file/],
    ["{balanced: u}", "tiers.balanced", /"u", which has no price/],
    ["{balanced: ''}", "tiers.balanced", /must be a model id/],
    ["{balanced: [a]}", "tiers.balanced", /must be a model id/],
    ["{fast: a}", "tiers.balanced", /is missing: hosts fall back to the balanced tier/],
    ["[a]", "tiers", /must be a mapping/],
  ])("%s → %s", (tiers, field, message) => {
    expect(issues(withTiers(tiers))).toContainEqual([field, expect.stringMatching(message)]);
  });
});
