import { z } from "zod";

/**
 * The input schema handed to the MCP SDK for one meta-tool.
 *
 * Clients must see the real JSON Schema (types, enums, defaults, descriptions), so it is generated from
 * the kernel's zod shape. But validation must stay in the kernel: the SDK would turn a bad argument
 * into a plain-text "MCP error -32602" message, while the kernel answers with a Kiwi failure
 * (`INVALID_INPUT`, one `{field, message}` per problem) that the model can act on. So the SDK gets a
 * schema that accepts any object and carries the generated JSON Schema as its metadata, which zod's
 * JSON Schema generator (used by the SDK for `tools/list`) emits as is.
 */
export function advertisedSchema(shape: z.ZodRawShape) {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(z.strictObject(shape), {
    io: "input",
    target: "draft-7",
  });
  return z.looseObject({}).meta(jsonSchema);
}
