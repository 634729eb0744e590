import { KiwiError } from "@kiwi/spec";
import { parse } from "yaml";

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

/** `data/pricing.yaml`, validated. */
export interface Pricing {
  readonly version: 1;
  /** Where the figures come from. */
  readonly source: string;
  /** The day they were read there (YYYY-MM-DD). */
  readonly retrieved: string;
  readonly models: readonly PricedModel[];
}

interface Problem {
  field: string;
  message: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isDay(value: unknown): value is string {
  if (typeof value !== "string" || !DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PRICE_KEYS = [
  "input_per_mtok",
  "output_per_mtok",
  "cache_read_per_mtok",
  "cache_write_per_mtok",
] as const;

function checkPrice(raw: unknown, field: string, problems: Problem[]): ModelPrice | undefined {
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

function positiveInt(raw: Record<string, unknown>, key: string, field: string, problems: Problem[]): void {
  const value = raw[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    problems.push({ field: `${field}.${key}`, message: "must be a positive integer (tokens)" });
  }
}

function checkModel(
  raw: unknown,
  field: string,
  names: Set<string>,
  problems: Problem[],
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
  const prices: ModelPrice[] = [];
  if (!Array.isArray(raw.prices)) {
    problems.push({ field: `${field}.prices`, message: "must be a list (empty when the price is unknown)" });
  } else {
    raw.prices.forEach((p, i) => {
      const price = checkPrice(p, `${field}.prices[${i}]`, problems);
      if (!price) return;
      const previous = prices.at(-1);
      if (previous && previous.effective_from >= price.effective_from) {
        problems.push({
          field: `${field}.prices[${i}].effective_from`,
          message: `must be later than the price before it (${previous.effective_from}): list prices oldest first`,
        });
      }
      prices.push(price);
    });
  }
  if (raw.notes !== undefined && typeof raw.notes !== "string")
    problems.push({ field: `${field}.notes`, message: "must be text" });
  for (const key of Object.keys(raw)) {
    if (!["id", "aliases", "context_window", "max_output_tokens", "prices", "notes"].includes(key)) {
      problems.push({ field: `${field}.${key}`, message: "is not a known model field" });
    }
  }
  if (problems.length > before) return undefined;
  return { ...(raw as unknown as PricedModel), aliases: aliases as string[], prices };
}

/**
 * Parses and validates pricing YAML. Every problem is collected; the error (`VALIDATION_FAILED`) names the
 * file and each field.
 */
export function parsePricing(text: string, file: string): Pricing {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new KiwiError({
      code: "PARSE_ERROR",
      message: `${file}: not valid YAML: ${(error as Error).message}`,
      context: { file },
      cause: error,
    });
  }
  const problems: Problem[] = [];
  const models: PricedModel[] = [];
  if (!isRecord(data)) {
    problems.push({ field: "", message: "must be a mapping with version, source, retrieved and models" });
  } else {
    if (data.version !== 1)
      problems.push({ field: "version", message: "must be 1 (the only format this package reads)" });
    if (typeof data.source !== "string" || data.source === "")
      problems.push({ field: "source", message: "must say where the prices come from" });
    if (!isDay(data.retrieved))
      problems.push({ field: "retrieved", message: 'must be a date written "YYYY-MM-DD"' });
    if (!Array.isArray(data.models) || data.models.length === 0) {
      problems.push({ field: "models", message: "must be a non-empty list of models" });
    } else {
      const names = new Set<string>();
      data.models.forEach((m, i) => {
        const model = checkModel(m, `models[${i}]`, names, problems);
        if (model) models.push(model);
      });
    }
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field || "(root)"} ${p.message}`).join("; ");
    throw new KiwiError({
      code: "VALIDATION_FAILED",
      message: `${file}: invalid pricing data: ${list}`,
      context: { file, issues: problems.map((p) => ({ file, ...p })) },
    });
  }
  const root = data as Record<string, unknown>;
  return { version: 1, source: root.source as string, retrieved: root.retrieved as string, models };
}
