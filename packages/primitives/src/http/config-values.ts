import { KiwiError } from "@kiwi/spec";

/** Largest delay setTimeout honours; longer values would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

export function invalidInput(field: string, message: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `http_client config.${field}: ${message}`,
    context: { field: `config.${field}` },
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An optional nested object whose keys are all known (a typo is an error, not a silent default). */
export function readSection(
  value: unknown,
  field: string,
  known: readonly string[],
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalidInput(field, "must be a mapping");
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw invalidInput(`${field}.${key}`, `unknown key; known keys: ${known.join(", ")}`);
  }
  return value;
}

/** An optional integer within [min, max]. */
export function readInt(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function readString(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalidInput(field, "must be a string");
  return value;
}
