import type { KnownErrorCode } from "@kiwi/spec";
import { isMap, isScalar, isSeq, type Node } from "yaml";
import { isReservedObjectKey } from "./reserved-object-keys";

export interface KeyViolation {
  code: KnownErrorCode;
  offset: number;
  /** Dotted path of the offending key (`config.headers.__proto__`). */
  field: string;
  message: string;
}

/**
 * Checks every mapping key of a composed document. Runs after the token checks, so nesting is already
 * bounded and plain recursion is safe. Keys are compared the way they will exist in JavaScript (as
 * strings), so `1:` and `"1":` count as duplicates even though YAML sees two different keys.
 */
export function checkYamlKeys(node: Node | null | undefined, path = ""): KeyViolation | undefined {
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const found = checkYamlKeys(item as Node, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (!isMap(node)) return undefined;
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    const offset = key?.range?.[0] ?? node.range?.[0] ?? 0;
    const value = isScalar(key) ? key.value : undefined;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return {
        code: "PARSE_UNSUPPORTED",
        offset,
        field: path,
        message: "only plain text keys are allowed (no empty, null or collection keys); write `name: value`",
      };
    }
    const name = String(value);
    const field = path ? `${path}.${name}` : name;
    if (name === "<<") {
      return {
        code: "PARSE_UNSUPPORTED",
        offset,
        field,
        message: "merge keys (<<) are not supported; write the merged fields out",
      };
    }
    if (isReservedObjectKey(name)) {
      return {
        code: "PARSE_RESERVED_KEY",
        offset,
        field,
        message: `the key "${name}" is reserved (it could change object prototypes); rename or remove it`,
      };
    }
    if (seen.has(name)) {
      return {
        code: "PARSE_DUPLICATE_KEY",
        offset,
        field,
        message: `the key "${name}" appears twice in the same mapping; keep one`,
      };
    }
    seen.add(name);
    const found = checkYamlKeys(pair.value as Node | null, field);
    if (found) return found;
  }
  return undefined;
}
