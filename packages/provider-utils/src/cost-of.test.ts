import { describe, expect, it } from "vitest";
import { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";
import { parsePricing } from "./parse-pricing";
import { HISTORY, usage } from "./test-pricing";

describe("costOf, by effective date", () => {
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
    ).toMatchObject({ price_effective_from: "2025-01-01" });
  });

  it("bills each disjoint count at its own rate", () => {
    const cost = costOf({
      model: "model-a",
      usage: usage({
        input_tokens: 1000,
        output_tokens: 500,
        cache_read_tokens: 100_000,
        cache_creation_tokens: 20_000,
      }),
      at: new Date("2025-07-01"),
      pricing,
    });
    // 1000×2 + 500×8 + 100000×0.2 + 20000×2.5 = 2000 + 4000 + 20000 + 50000 = 76000 µ$
    expect(cost.priced && cost.usd).toBeCloseTo(0.076, 12);
  });

  it("before the first price: unpriced with no_price_at_date", () => {
    expect(costOf({ model: "model-a", usage: u, at: new Date("2024-12-31T23:59:59Z"), pricing })).toEqual({
      priced: false,
      reason: "no_price_at_date",
    });
  });

  it("a model with limits but no price, or unknown, is unpriced (never $0)", () => {
    expect(costOf({ model: "limits-only", usage: u, pricing })).toEqual({
      priced: false,
      reason: "unpriced_model",
    });
    const unknown = costOf({ model: "model-b", usage: u, pricing });
    expect(unknown).toEqual({ priced: false, reason: "unpriced_model" });
    expect("usd" in unknown).toBe(false);
  });

  it("no prefix guessing: a near miss of a known id is unknown", () => {
    for (const model of ["model-a-20991231", "MODEL-A", "model", " model-a"]) {
      expect(costOf({ model, usage: u, pricing }).priced, model).toBe(false);
      expect(findModel(model, pricing), model).toBeUndefined();
    }
  });

  it("an invalid date is refused", () => {
    expect(() => costOf({ model: "model-a", usage: u, at: new Date("nope"), pricing })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", message: expect.stringMatching(/invalid Date/) }),
    );
  });

  it("limits by id and alias", () => {
    expect(contextWindowOf("limits-only", pricing)).toBe(50_000);
    expect(contextWindowOf("model-a-20250101", pricing)).toBe(100_000);
    expect(maxOutputTokensOf("model-a", pricing)).toBe(8000);
    expect(maxOutputTokensOf("nope", pricing)).toBeUndefined();
    expect(findModel("model-a-20250101", pricing)?.id).toBe("model-a");
  });
});
