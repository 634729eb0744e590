import { z } from "zod";
import { paramNameSchema, VALUE_TYPES } from "./common-schema";

export const toolParameterSchema = z
  .strictObject({
    name: paramNameSchema.describe("Parameter name, as the model passes it."),
    type: z.enum(VALUE_TYPES).describe("JSON type of the value."),
    required: z.boolean().default(false).describe("Whether the caller must pass it."),
    default: z.unknown().optional().describe("Value used when the caller omits it."),
    description: z.string().optional().describe("Shown to the model; say what the value means."),
    enum: z.array(z.unknown()).optional().describe("The only values allowed."),
  })
  .describe("One parameter the tool accepts.");

/** A parameter list; names must be unique because they become keys of one arguments object. */
export const toolParametersSchema = z.array(toolParameterSchema).superRefine(
  (params, ctx) => {
    const seen = new Set<unknown>();
    for (const [index, param] of params.entries()) {
      const name = typeof param === "object" && param !== null ? param.name : undefined;
      if (typeof name !== "string") continue;
      if (seen.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `parameter "${name}" is declared twice`,
          params: { fix: "keep one entry per parameter name" },
        });
      }
      seen.add(name);
    }
  },
  // Report duplicates even when another parameter is invalid, so one pass shows every problem.
  { when: (payload) => Array.isArray(payload.value) },
);
export type ToolParameter = z.infer<typeof toolParameterSchema>;
