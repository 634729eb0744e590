import { z } from "zod";
import { directiveSchema } from "./directive-schema";
import { knowledgeFrontMatterSchema } from "./knowledge-schema";
import { toolSchema } from "./tool-schema";

export type JsonSchemaName = "tool" | "knowledge" | "directive";

const SOURCES: Record<JsonSchemaName, { schema: z.ZodType; title: string; description: string }> = {
  tool: {
    schema: toolSchema,
    title: "Kiwi tool",
    description: "A Kiwi tool definition: the YAML file .ai/tools/<category>/<tool_id>.yaml.",
  },
  knowledge: {
    schema: knowledgeFrontMatterSchema,
    title: "Kiwi knowledge front matter",
    description: "The YAML front matter of a Kiwi knowledge entry (.ai/knowledge/<category>/<id>.md).",
  },
  directive: {
    schema: directiveSchema,
    title: "Kiwi directive (parsed)",
    description:
      "A Kiwi directive as the kernel parses it from the <directive> XML block of .ai/directives/<category>/<name>.md.",
  },
};

/** Where the committed JSON Schemas are published; also their `$id`s. */
export const SCHEMA_BASE_URL = "https://kiwi.dev/schemas/";

/**
 * JSON Schemas (draft 2020-12) generated from the zod schemas, which stay the single source of truth.
 * `io: "input"` describes what may be written in a file, so fields with defaults are not required.
 * The result is committed under packages/kernel/schemas/ and a test keeps the two identical.
 */
export function generateJsonSchemas(): Record<JsonSchemaName, object> {
  const out = {} as Record<JsonSchemaName, object>;
  for (const name of Object.keys(SOURCES) as JsonSchemaName[]) {
    const { schema, title, description } = SOURCES[name];
    const generated = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io: "input",
      unrepresentable: "throw",
    });
    const { $schema, description: _own, ...rest } = generated;
    out[name] = { $schema, $id: `${SCHEMA_BASE_URL}${name}.schema.json`, title, description, ...rest };
  }
  return out;
}

/** The exact text of a committed schema file: 2-space JSON and a trailing newline. */
export function jsonSchemaFileText(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
