/** One price, in US dollars per million tokens, applying from `effective_from` (a UTC day) on. */
export interface ModelPrice {
  readonly effective_from: string;
  readonly input_per_mtok: number;
  readonly output_per_mtok: number;
  readonly cache_read_per_mtok: number;
  readonly cache_write_per_mtok: number;
}

export interface PricedModel {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly context_window: number;
  readonly max_output_tokens: number;
  /** Oldest first. Empty when the limits are known but the price is not: the model is then unpriced. */
  readonly prices: readonly ModelPrice[];
  /** What the figures leave out (long-context tiers, cache durations…). */
  readonly notes?: string;
}

/** A provider's `data/pricing.yaml`, validated. */
export interface Pricing {
  readonly version: 1;
  /** Where the figures come from. */
  readonly source: string;
  /** The day they were read there (YYYY-MM-DD). */
  readonly retrieved: string;
  /**
   * A directive's `<model tier>` → the model id (or alias) a host uses by default. Every tier names a
   * model of this file with at least one price; `{}` when the file lists no tiers.
   */
  readonly tiers: Readonly<Record<string, string>>;
  readonly models: readonly PricedModel[];
}

/** One thing wrong with the data, at `field` (`models[2].prices[0].input_per_mtok`). */
export interface PricingProblem {
  field: string;
  message: string;
}
