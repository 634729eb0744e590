/**
 * The journal's canonical JSON: `JSON.stringify` with every object's keys sorted, so the same request
 * always gives the same text and hash. `canonicalJsonReference` is the definition (a replacer that copies
 * each object with its keys sorted); `canonicalJson` writes the same text for plain data (the requests
 * the runtime journals on every step) as one sorted copy written by JSON.stringify's native path, without
 * a replacer call for every value, and falls back to the definition for anything else. The text must never change: recorded
 * request hashes are compared with it when a thread resumes.
 */

/** JSON with object keys sorted, by definition (a sorted copy of every object, then `JSON.stringify`). */
export function canonicalJsonReference(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort())
      sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Thrown inside the direct writer for a value it leaves to the definition. */
const NOT_PLAIN = Symbol("not plain");
/** Deeper than this is left to the definition (which reports a cycle as JSON.stringify does). */
const MAX_DEPTH = 1000;
/** An array index: such keys come first in ascending order in any object, so a sorted copy reorders them. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

function isArrayIndex(key: string): boolean {
  return ARRAY_INDEX.test(key) && Number(key) <= 4294967294;
}

/**
 * A copy of the value with every object's keys in sorted order, for JSON.stringify to write as it is
 * (its native path, no replacer): what JSON leaves out (undefined, functions, symbols) is copied as is
 * and left out the same way. Throws NOT_PLAIN for anything the definition may write otherwise.
 */
function sortedCopy(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) {
    if (typeof value === "bigint") throw NOT_PLAIN; // the definition throws JSON.stringify's own error
    return value;
  }
  if (depth > MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") throw NOT_PLAIN;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = sortedCopy(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  // Dates, boxed primitives, class instances and anything with toJSON go to the definition.
  if ((proto !== Object.prototype && proto !== null) || "toJSON" in (value as object)) throw NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    // Array-index keys come out of an object in numeric order whatever the insertion order, and an own
    // `__proto__` cannot be set by assignment: both are rare, left to the definition.
    const c = key.charCodeAt(0);
    if ((c >= 0x30 && c <= 0x39 && isArrayIndex(key)) || key === "__proto__") throw NOT_PLAIN;
    out[key] = sortedCopy(record[key], depth + 1);
  }
  return out;
}

/** JSON with object keys sorted: the same request always gives the same text and hash. */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(sortedCopy(value, 0));
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
  }
  return canonicalJsonReference(value);
}
