/**
 * The tiers a directive's `<model tier>` may name. A provider maps each to one of its model ids in its
 * pricing data (`ProviderModels.tiers`); a host falls back to `balanced`, so a provider's map names it.
 */
export const MODEL_TIERS = Object.freeze([
  "fast",
  "balanced",
  "general",
  "reasoning",
  "expert",
  "orchestrator",
] as const);

export type ModelTier = (typeof MODEL_TIERS)[number];
