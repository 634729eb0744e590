// The models cases of the provider suite: priced vs unpriced (never $0), limits, tiers, env names.
import { MODEL_TIERS, type ProviderModels, type ProviderV1, type Usage } from "@kiwi/spec";
import { expect } from "vitest";

/** A model id no provider serves: it must be unknown everywhere. */
export const UNKNOWN_MODEL = "kiwi-conformance-unknown-model-7f3a";

const ZERO: Usage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 };
const SOME: Usage = {
  input_tokens: 1200,
  output_tokens: 300,
  cache_read_tokens: 5000,
  cache_creation_tokens: 700,
};
const twice = (u: Usage): Usage => ({
  input_tokens: u.input_tokens * 2,
  output_tokens: u.output_tokens * 2,
  cache_read_tokens: u.cache_read_tokens * 2,
  cache_creation_tokens: u.cache_creation_tokens * 2,
});

function usdOf(models: ProviderModels, model: string, usage: Usage, at: Date): number {
  const cost = models.costOf(model, usage, at);
  expect(cost, `${model} is priced on ${at.toISOString().slice(0, 10)}`).toHaveProperty("usd");
  return (cost as { usd: number }).usd;
}

/** A priced model: a finite cost that grows with usage, the day its price took effect, known limits. */
export function checkPriced(models: ProviderModels, model: string, at: Date): void {
  const cost = models.costOf(model, SOME, at);
  expect(cost).not.toHaveProperty("unpriced");
  const { usd, price_effective_from: from } = cost as { usd: number; price_effective_from?: string };
  expect(Number.isFinite(usd) && usd > 0, `usd = ${usd}`).toBe(true);
  if (from !== undefined) {
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(from <= at.toISOString().slice(0, 10), `price_effective_from ${from} is after the call`).toBe(
      true,
    );
  }
  expect(usdOf(models, model, ZERO, at)).toBe(0);
  expect(usdOf(models, model, twice(SOME), at)).toBeCloseTo(usd * 2, 12);
  for (const key of Object.keys(ZERO) as (keyof Usage)[]) {
    expect(usdOf(models, model, { ...ZERO, [key]: 1_000_000 }, at), `${key} alone`).toBeGreaterThanOrEqual(0);
  }
  const window = models.contextWindow(model);
  const output = models.maxOutputTokens(model);
  expect(Number.isSafeInteger(window) && (window as number) > 0, `contextWindow(${model}) = ${window}`).toBe(
    true,
  );
  expect(
    Number.isSafeInteger(output) && (output as number) > 0,
    `maxOutputTokens(${model}) = ${output}`,
  ).toBe(true);
  expect(output as number).toBeLessThanOrEqual(window as number);
  if (models.owns) expect(models.owns(model), `owns(${model})`).toBe(true);
}

/** An unpriced model is reported `{unpriced: true}`, never as a cost of $0. */
export function checkUnpriced(models: ProviderModels, model: string, at: Date): void {
  const cost = models.costOf(model, SOME, at);
  expect(cost).toEqual({ unpriced: true });
  expect(cost).not.toHaveProperty("usd");
}

export function checkUnknown(models: ProviderModels): void {
  checkUnpriced(models, UNKNOWN_MODEL, new Date());
  expect(models.contextWindow(UNKNOWN_MODEL)).toBeUndefined();
  expect(models.maxOutputTokens(UNKNOWN_MODEL)).toBeUndefined();
  if (models.owns) expect(models.owns(UNKNOWN_MODEL)).toBe(false);
}

/** Tiers name only tiers Kiwi knows, include the `balanced` fallback, and map to priced models. */
export function checkTiers(models: ProviderModels, at: Date): void {
  const tiers = models.tiers ?? {};
  for (const tier of Object.keys(tiers)) expect(MODEL_TIERS, `tier "${tier}"`).toContain(tier);
  expect(tiers, "hosts fall back to the balanced tier").toHaveProperty("balanced");
  for (const [tier, model] of Object.entries(tiers)) {
    expect(models.costOf(model, SOME, at), `tier ${tier} → ${model}`).toHaveProperty("usd");
    expect(models.contextWindow(model), `context window of tier ${tier} → ${model}`).toBeGreaterThan(0);
    if (models.owns) expect(models.owns(model), `owns(${model}) for tier ${tier}`).toBe(true);
  }
}

/** Environment variable names (never values) and an http(s) default endpoint. */
export function checkEnv(provider: ProviderV1): void {
  const env = provider.env ?? {};
  for (const name of [env.apiKey, env.baseUrl]) {
    if (name !== undefined) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  }
  if (env.defaultBaseUrl !== undefined) expect(new URL(env.defaultBaseUrl).protocol).toMatch(/^https?:$/);
}
