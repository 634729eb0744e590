// Checks one entry of `models` in pricing data. Every problem is collected (with its field), never thrown.
import type { ModelPrice, PricedModel, PricingProblem } from "./pricing-types";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written YYYY-MM-DD (2025-02-30 is refused). */
export function isDay(value: unknown): value is string {
  if (typeof value !== "string" || !DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PRICE_KEYS = [
  "input_per_mtok",
  "output_per_mtok",
  "cache_read_per_mtok",
  "cache_write_per_mtok",
] as const;

const MODEL_KEYS = ["id", "aliases", "context_window", "max_output_tokens", "prices", "notes"];

function checkPrice(raw: unknown, field: string, problems: PricingProblem[]): ModelPrice | undefined {
  if (!isRecord(raw)) {
    problems.push({ field, message: "must be a mapping {effective_from, input_per_mtok, …}" });
    return undefined;
  }
  let ok = true;
  if (!isDay(raw.effective_from)) {
    problems.push({ field: `${field}.effective_from`, message: 'must be a date written "YYYY-MM-DD"' });
    ok = false;
  }
  for (const key of PRICE_KEYS) {
    const value = raw[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      problems.push({
        field: `${field}.${key}`,
        message: "must be a number ≥ 0 (US dollars per million tokens)",
      });
      ok = false;
    }
  }
  for (const key of Object.keys(raw)) {
    if (key !== "effective_from" && !(PRICE_KEYS as readonly string[]).includes(key)) {
      problems.push({ field: `${field}.${key}`, message: "is not a known price field" });
      ok = false;
    }
  }
  return ok ? (raw as unknown as ModelPrice) : undefined;
}

function positiveInt(
  raw: Record<string, unknown>,
  key: string,
  field: string,
  problems: PricingProblem[],
): void {
  const value = raw[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    problems.push({ field: `${field}.${key}`, message: "must be a positive integer (tokens)" });
  }
}

function checkPrices(raw: unknown, field: string, problems: PricingProblem[]): ModelPrice[] {
  const prices: ModelPrice[] = [];
  if (!Array.isArray(raw)) {
    problems.push({ field, message: "must be a list (empty when the price is unknown)" });
    return prices;
  }
  raw.forEach((p, i) => {
    const price = checkPrice(p, `${field}[${i}]`, problems);
    if (!price) return;
    const previous = prices.at(-1);
    if (previous && previous.effective_from >= price.effective_from) {
      problems.push({
        field: `${field}[${i}].effective_from`,
        message: `must be later than the price before it (${previous.effective_from}): list prices oldest first`,
      });
    }
    prices.push(price);
  });
  return prices;
}

/**
 * Checks one model entry; `names` collects every id and alias seen so far in the file (a name used twice
 * is an error: a lookup must never depend on the order of the file).
 */
export function checkModel(
  raw: unknown,
  field: string,
  names: Set<string>,
  problems: PricingProblem[],
): PricedModel | undefined {
  if (!isRecord(raw)) {
    problems.push({ field, message: "must be a mapping {id, context_window, max_output_tokens, prices}" });
    return undefined;
  }
  const before = problems.length;
  const ids: string[] = [];
  if (typeof raw.id !== "string" || raw.id === "")
    problems.push({ field: `${field}.id`, message: "must be a model id" });
  else ids.push(raw.id);
  const aliases = raw.aliases ?? [];
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== "string" || a === "")) {
    problems.push({ field: `${field}.aliases`, message: "must be a list of model ids" });
  } else ids.push(...(aliases as string[]));
  for (const id of ids) {
    if (names.has(id))
      problems.push({ field, message: `model id or alias "${id}" appears twice in the file` });
    names.add(id);
  }
  positiveInt(raw, "context_window", field, problems);
  positiveInt(raw, "max_output_tokens", field, problems);
  const prices = checkPrices(raw.prices, `${field}.prices`, problems);
  if (raw.notes !== undefined && typeof raw.notes !== "string")
    problems.push({ field: `${field}.notes`, message: "must be text" });
  for (const key of Object.keys(raw)) {
    if (!MODEL_KEYS.includes(key))
      problems.push({ field: `${field}.${key}`, message: "is not a known model field" });
  }
  if (problems.length > before) return undefined;
  return { ...(raw as unknown as PricedModel), aliases: aliases as string[], prices };
}
