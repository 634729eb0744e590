import { KiwiError, type Usage } from "@kiwi/spec";
import type { ModelPrice, PricedModel, Pricing } from "./pricing-types";

export type Cost =
  | { readonly usd: number; readonly priced: true; readonly price_effective_from: string }
  | {
      readonly priced: false;
      /** `unpriced_model`: no price for this model; `no_price_at_date`: none effective yet at `at`. */
      readonly reason: "unpriced_model" | "no_price_at_date";
    };

const indexes = new WeakMap<Pricing, Map<string, PricedModel>>();

/** The model whose id or alias is exactly `model` (no prefix guessing: a dated snapshot may cost more). */
export function findModel(model: string, pricing: Pricing): PricedModel | undefined {
  let index = indexes.get(pricing);
  if (index === undefined) {
    index = new Map();
    for (const entry of pricing.models) {
      index.set(entry.id, entry);
      for (const alias of entry.aliases) index.set(alias, entry);
    }
    indexes.set(pricing, index);
  }
  return index.get(model);
}

/** The price in force on `at`'s UTC day: the latest one whose effective_from is not after it. */
function priceAt(prices: readonly ModelPrice[], at: Date): ModelPrice | undefined {
  const day = at.toISOString().slice(0, 10);
  for (let i = prices.length - 1; i >= 0; i--) {
    const price = prices[i]!;
    if (price.effective_from <= day) return price;
  }
  return undefined;
}

/**
 * What a call cost in US dollars. `usage` counts are disjoint (input excludes cache reads and writes),
 * each billed at its own rate. A model without a price is reported unpriced, never as $0.
 */
export function costOf(options: { model: string; usage: Usage; at?: Date; pricing: Pricing }): Cost {
  const { model, usage, at = new Date(), pricing } = options;
  if (Number.isNaN(at.getTime())) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "costOf: `at` is an invalid Date; pass a valid Date",
    });
  }
  const entry = findModel(model, pricing);
  if (entry === undefined || entry.prices.length === 0) return { priced: false, reason: "unpriced_model" };
  const price = priceAt(entry.prices, at);
  if (price === undefined) return { priced: false, reason: "no_price_at_date" };
  const micro =
    usage.input_tokens * price.input_per_mtok +
    usage.output_tokens * price.output_per_mtok +
    usage.cache_read_tokens * price.cache_read_per_mtok +
    usage.cache_creation_tokens * price.cache_write_per_mtok;
  return { usd: micro / 1_000_000, priced: true, price_effective_from: price.effective_from };
}

/** The model's context window in tokens, when the data knows the model. */
export function contextWindowOf(model: string, pricing: Pricing): number | undefined {
  return findModel(model, pricing)?.context_window;
}

/** The most output tokens the model produces in one response, when the data knows the model. */
export function maxOutputTokensOf(model: string, pricing: Pricing): number | undefined {
  return findModel(model, pricing)?.max_output_tokens;
}
