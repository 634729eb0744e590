import { KiwiError } from "@kiwi/spec";

/** Every config problem is INVALID_INPUT naming the field and what to write instead. */
export function invalidConfig(field: string, problem: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: field ? `subprocess config "${field}" ${problem}` : `subprocess config ${problem}`,
    context: { field },
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string without NUL bytes (the OS would cut it there silently, or Node would throw). */
export function readString(field: string, value: unknown, options: { empty?: boolean } = {}): string {
  if (typeof value !== "string") throw invalidConfig(field, `must be a string, got ${describe(value)}`);
  if (!options.empty && value === "") throw invalidConfig(field, "must not be empty");
  if (value.includes("\0")) throw invalidConfig(field, "must not contain a NUL character");
  return value;
}

export function readStringList(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidConfig(field, `must be a list of strings, got ${describe(value)}`);
  return value.map((item, i) => readString(`${field}[${i}]`, item, { empty: true }));
}

/**
 * An integer in [min, max]. `${ENV}` templating yields strings, so a string of digits is accepted too;
 * anything else is refused rather than guessed.
 */
export function readInteger(
  field: string,
  value: unknown,
  range: { min: number; max: number; fallback: number },
): number {
  if (value === undefined) return range.fallback;
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < range.min || n > range.max)
    throw invalidConfig(
      field,
      `must be an integer from ${range.min} to ${range.max}, got ${describe(value)}`,
    );
  return n;
}

export function readBoolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw invalidConfig(field, `must be true or false, got ${describe(value)}`);
}

export function rejectUnknownKeys(field: string, value: Record<string, unknown>, known: readonly string[]) {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0)
    throw invalidConfig(
      field,
      `has unknown field(s) ${unknown.map((k) => `"${k}"`).join(", ")}; known fields: ${known.join(", ")}`,
    );
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === "object" ? "an object" : `the ${typeof value} ${String(value)}`;
}
