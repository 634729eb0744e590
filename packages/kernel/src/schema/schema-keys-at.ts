import type { z } from "zod";

interface SchemaDef {
  type: string;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
  shape?: Record<string, unknown>;
  options?: unknown[];
}

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "nonoptional", "readonly", "catch"]);

function defOf(schema: unknown): SchemaDef | undefined {
  const def = (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
  return def && typeof def.type === "string" ? def : undefined;
}

function unwrap(schema: unknown): SchemaDef | undefined {
  let def = defOf(schema);
  while (def && (WRAPPERS.has(def.type) || def.type === "pipe")) {
    def = defOf(def.type === "pipe" ? def.in : def.innerType);
  }
  return def;
}

/**
 * The field names an object schema accepts at `path` (as found in a zod issue), or [] when the path
 * does not lead to an object. Reads zod's definition objects, which is all `z.toJSONSchema` does too.
 */
export function schemaKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def = unwrap(schema);
  for (const segment of path) {
    if (!def) return [];
    if (def.type === "array") def = unwrap(def.element);
    else if (def.type === "record") def = unwrap(def.valueType);
    else if (def.type === "object" && def.shape && Object.hasOwn(def.shape, String(segment))) {
      def = unwrap(def.shape[String(segment)]);
    } else if (def.type === "union") {
      def = (def.options ?? []).map(unwrap).find((o) => o?.type === "object" || o?.type === "array");
      if (def?.type === "object" && def.shape) def = unwrap(def.shape[String(segment)]);
      else if (def?.type === "array") def = unwrap(def.element);
    } else return [];
  }
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}
