/**
 * A copy of a JSON value with every string and object key redacted. Redacting the values rather than
 * their serialised text keeps the JSON valid whatever a secret holds, and a string shortened afterwards
 * can never keep the first half of a secret.
 */
export function redactValue<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === "string") return redact(value) as T;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact)) as T;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return redactValue(JSON.parse(JSON.stringify(value)), redact);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || typeof inner === "function") continue;
    out[redact(key)] = redactValue(inner, redact);
  }
  return out as T;
}
