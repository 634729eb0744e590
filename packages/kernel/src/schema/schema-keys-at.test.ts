import { describe, expect, it } from "vitest";
import { directiveSchema } from "./directive-schema";
import { schemaKeysAt } from "./schema-keys-at";
import { toolSchema } from "./tool-schema";

describe("schemaKeysAt", () => {
  it("finds the keys of objects through arrays, records, optionals and defaults", () => {
    expect(schemaKeysAt(toolSchema, [])).toContain("requires");
    expect(schemaKeysAt(toolSchema, ["parameters", 0])).toEqual([
      "name",
      "type",
      "required",
      "default",
      "description",
      "enum",
    ]);
    expect(schemaKeysAt(toolSchema, ["retry"])).toEqual(["max_attempts", "backoff_ms", "retryable_errors"]);
    expect(schemaKeysAt(toolSchema, ["actions", "head"])).toEqual(["description", "requires", "parameters"]);
    expect(schemaKeysAt(directiveSchema, ["metadata", "permissions", "grants", 3])).toContain("resource");
  });

  it("returns [] where the path leads to no object", () => {
    expect(schemaKeysAt(toolSchema, ["version"])).toEqual([]);
    expect(schemaKeysAt(toolSchema, ["nope", "deeper"])).toEqual([]);
    expect(schemaKeysAt(toolSchema, ["config", "x"])).toEqual([]);
  });
});
