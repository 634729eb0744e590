function isPlainData(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null || Array.isArray(value)) && !("toJSON" in value);
}

/** Below this depth plain data is walked; deeper (or anything else) is measured by JSON.stringify itself. */
const MAX_WALK_DEPTH = 64;

/**
 * A cheap upper bound of the UTF-8 byte length of `JSON.stringify(value)`, without building that string or
 * reading any string's characters: a string of n UTF-16 units is at most 6n + 2 bytes (`\uXXXX` is the
 * widest a unit gets; a character needs at most 3 bytes per unit). A model call's parameters hold the
 * whole conversation, and serialising it on every call only to measure it dominated validation: a bound
 * under the limit proves the value fits after a walk of its nodes; only above it does the caller measure
 * exactly. Plain arrays and objects are walked; anything else — a `toJSON`, a class instance, a bigint, a
 * cycle past the walk's depth — goes to JSON.stringify, which answers exactly (or throws) as it always
 * did. Stops early once the bound passes `limit`. `undefined` for a value JSON.stringify leaves out.
 */
export function jsonByteBound(value: unknown, limit: number): number | undefined {
  const walk = (v: unknown, depth: number, inArray: boolean): number | undefined => {
    switch (typeof v) {
      case "string":
        return 6 * v.length + 2;
      case "number":
        return Number.isFinite(v) ? String(v).length : 4;
      case "boolean":
        return v ? 4 : 5;
      case "undefined":
      case "function":
      case "symbol":
        return inArray ? 4 : undefined;
      case "object": {
        if (v === null) return 4;
        if (depth >= MAX_WALK_DEPTH || !isPlainData(v)) {
          const text = JSON.stringify(v);
          return text === undefined ? (inArray ? 4 : undefined) : Buffer.byteLength(text);
        }
        if (Array.isArray(v)) {
          let size = 2 + Math.max(0, v.length - 1); // brackets and commas
          for (let i = 0; i < v.length; i++) {
            size += walk(v[i], depth + 1, true) ?? 4;
            if (size > limit) return size;
          }
          return size;
        }
        let size = 2;
        let members = 0;
        // Own enumerable string keys, as JSON.stringify takes them.
        for (const key of Object.keys(v)) {
          const item = walk((v as Record<string, unknown>)[key], depth + 1, false);
          if (item === undefined) continue;
          size += 6 * key.length + 3 + item + (members++ > 0 ? 1 : 0);
          if (size > limit) return size;
        }
        return size;
      }
      default:
        // bigint: JSON.stringify throws, as it did before.
        return Buffer.byteLength(JSON.stringify(v));
    }
  };
  return walk(value, 0, false);
}
