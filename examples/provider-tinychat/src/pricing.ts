import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KiwiError, type Usage } from "@kiwi/spec";
import { parse } from "yaml";
import { z } from "zod";

const day = z.iso.date("must be a date written YYYY-MM-DD");
const perMtok = z.number().nonnegative().finite();

const priceSchema = z.strictObject({
  effective_from: day,
  input_per_mtok: perMtok,
  output_per_mtok: perMtok,
  cached_input_per_mtok: perMtok,
});

const modelSchema = z.strictObject({
  id: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  context_window: z.number().int().positive(),
  max_output_tokens: z.number().int().positive(),
  notes: z.string().optional(),
  /** Oldest first; empty when the limits are known but the price is not. */
  prices: z
    .array(priceSchema)
    .refine((p) => p.every((x, i) => i === 0 || p[i - 1]!.effective_from < x.effective_from), {
      message: "list prices oldest first, one per effective_from day",
    }),
});

/** `data/pricing.yaml`: versioned data, validated with zod (the schema is the single source of truth). */
export const pricingSchema = z.strictObject({
  version: z.literal(1),
  source: z.string().min(1),
  retrieved: day,
  models: z.array(modelSchema).min(1),
});

export type Pricing = z.output<typeof pricingSchema>;
export type PricedModel = Pricing["models"][number];

/** Parses pricing YAML; every problem is reported with its field (VALIDATION_FAILED names the file). */
export function parsePricing(text: string, file: string): Pricing {
  const result = pricingSchema.safeParse(parse(text));
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ file, field: i.path.join("."), message: i.message }));
  throw new KiwiError({
    code: "VALIDATION_FAILED",
    message: `${file}: invalid pricing data: ${issues.map((i) => `${i.field || "(root)"} ${i.message}`).join("; ")}`,
    context: { file, issues },
  });
}

// `data/` sits beside `src/` and `dist/`, so the same relative URL works from the sources and the build.
const PRICING_URL = new URL("../data/pricing.yaml", import.meta.url);
let cached: Pricing | undefined;

/** The pricing data shipped with this package, read and validated once. */
export function loadPricing(): Pricing {
  cached ??= parsePricing(readFileSync(PRICING_URL, "utf8"), fileURLToPath(PRICING_URL));
  return cached;
}

/** The model whose id or alias is exactly `model` (no prefix guessing: a dated snapshot may cost more). */
export function findModel(model: string, pricing: Pricing = loadPricing()): PricedModel | undefined {
  return pricing.models.find((m) => m.id === model || m.aliases.includes(model));
}

export type Cost =
  | { readonly priced: true; readonly usd: number; readonly price_effective_from: string }
  | { readonly priced: false; readonly reason: "unpriced_model" | "no_price_at_date" };

/** What a call cost, at the price in force on `at`'s UTC day. A model without a price is unpriced, not $0. */
export function costOf(options: { model: string; usage: Usage; at?: Date; pricing?: Pricing }): Cost {
  const { model, usage, at = new Date(), pricing = loadPricing() } = options;
  const entry = findModel(model, pricing);
  if (!entry || entry.prices.length === 0) return { priced: false, reason: "unpriced_model" };
  const today = at.toISOString().slice(0, 10);
  const price = entry.prices.findLast((p) => p.effective_from <= today);
  if (!price) return { priced: false, reason: "no_price_at_date" };
  const micro =
    usage.input_tokens * price.input_per_mtok +
    usage.output_tokens * price.output_per_mtok +
    // Tinychat has no cache writes; a neutral count of them is billed as plain input.
    usage.cache_creation_tokens * price.input_per_mtok +
    usage.cache_read_tokens * price.cached_input_per_mtok;
  return { priced: true, usd: micro / 1_000_000, price_effective_from: price.effective_from };
}

/** The model's context window in tokens, when the data knows the model. */
export function contextWindowOf(model: string, pricing: Pricing = loadPricing()): number | undefined {
  return findModel(model, pricing)?.context_window;
}
