import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateJsonSchemas, jsonSchemaFileText } from "./json-schemas";

const REGENERATE = "node packages/kernel/scripts/generate-schemas.mjs";

type JsonObject = {
  $schema?: string;
  $id?: string;
  title?: string;
  type?: string;
  required?: string[];
  additionalProperties?: unknown;
  properties?: Record<string, { description?: string }>;
};

describe("generateJsonSchemas", () => {
  const schemas = generateJsonSchemas() as Record<"tool" | "knowledge" | "directive", JsonObject>;

  it.each(["tool", "knowledge", "directive"] as const)(
    "the committed %s.schema.json equals the generated schema byte for byte",
    (name) => {
      const committed = readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), "utf8");
      const generated = jsonSchemaFileText(schemas[name]);
      expect(committed, `schemas/${name}.schema.json is out of date: run ${REGENERATE}`).toBe(generated);
    },
  );

  it.each(["tool", "knowledge", "directive"] as const)(
    "%s is draft 2020-12 with an $id and a title",
    (name) => {
      const schema = schemas[name];
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(schema.$id).toBe(`https://kiwi.dev/schemas/${name}.schema.json`);
      expect(schema.title).toMatch(/^Kiwi /);
      expect(schema.type).toBe("object");
      expect(schema.additionalProperties).toBe(false);
    },
  );

  it("the tool schema refuses unknown keys and requires `requires`", () => {
    expect(schemas.tool.additionalProperties).toBe(false);
    expect(schemas.tool.required).toEqual(expect.arrayContaining(["tool_id", "version", "requires"]));
    // Defaults (config, parameters) are optional to write, so they are not required.
    expect(schemas.tool.required).not.toContain("config");
  });

  it("gives editors help text for every top-level tool field", () => {
    for (const [field, property] of Object.entries(schemas.tool.properties ?? {})) {
      if (field === "author") continue;
      expect(property.description, field).toBeTruthy();
    }
  });

  it("ends every file with a single newline and indents by two spaces", () => {
    const text = jsonSchemaFileText({ a: { b: 1 } });
    expect(text).toBe('{\n  "a": {\n    "b": 1\n  }\n}\n');
  });
});
