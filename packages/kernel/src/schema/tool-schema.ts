import { z } from "zod";
import { semverSchema, snakeCaseSchema } from "./common-schema";
import { toolParametersSchema } from "./tool-parameter-schema";

/** `fs.read`, `tool.execute`, `net.http`, `kiwi.*`: a namespace, then one or more dotted parts. */
export const CAPABILITY_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_*-]*)+$/;
export const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;

const capabilitySchema = z
  .string()
  .regex(CAPABILITY_PATTERN, "must be a capability name like fs.read or tool.execute");

export const requiresSchema = z
  .union([z.literal("none"), z.array(capabilitySchema).min(1)], {
    error: "must be a non-empty list of capabilities, or the word none",
  })
  .describe(
    "Capabilities a caller's token must grant. Required: write `requires: none` for tools that need none.",
  );

export const retrySchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(10).describe("Total attempts, first one included (1-10)."),
    backoff_ms: z.array(z.number().int().nonnegative()).optional().describe("Wait before each retry, in ms."),
    retryable_errors: z.array(z.string().min(1)).optional().describe("Error codes that may be retried."),
  })
  .describe("Data-driven retry policy.");

export const toolActionSchema = z.strictObject({
  description: z.string().min(1),
  requires: z.array(capabilitySchema).optional().describe("Extra capabilities this action needs."),
  parameters: toolParametersSchema.optional(),
});

/** Scope kinds a capability can be narrowed by (see @kiwi/capabilities). */
export const CAPABILITY_SCOPES = ["none", "path", "tool_id", "category", "orchestration", "host"] as const;

/** One capability declared by a capability set (`tool_type: capability_set`). */
export const capabilityDefinitionSchema = z.strictObject({
  name: capabilitySchema.describe("The capability, e.g. fs.read."),
  description: z.string().min(1).describe("What holding it allows."),
  system_only: z
    .boolean()
    .default(false)
    .describe("Only core directives (bundled and core-signed) may grant it."),
  scope: z.enum(CAPABILITY_SCOPES).default("none").describe("What narrows a grant of it."),
  scope_required: z.boolean().default(false).describe("A grant must carry a scope (no blanket grant)."),
});

/** A tool definition: the YAML file under `.ai/tools/<category>/<tool_id>.yaml`. */
export const toolSchema = z
  .strictObject({
    tool_id: snakeCaseSchema.describe("Tool id; equals the file name without .yaml."),
    tool_type: snakeCaseSchema.describe(
      "Kind of tool (primitive, http, thread, sink, …), for grouping and search.",
    ),
    version: semverSchema.describe('Semantic version as a quoted string: version: "1.0.0".'),
    description: z.string().min(1).describe("What the tool does; shown to the model."),
    category: z.string().optional().describe("Must equal the folder the file is in, when given."),
    executor_id: z
      .string()
      .min(1)
      .optional()
      .describe("The tool or primitive this tool runs on (its parent in the chain)."),
    module: z
      .string()
      .min(1)
      .optional()
      .describe("Code module (package specifier or path in the item's space)."),
    export: z.string().min(1).optional().describe("Named export of `module`; required with `module`."),
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("Static configuration merged down the chain."),
    parameters: toolParametersSchema.default([]).describe("Parameters the caller passes."),
    requires: requiresSchema,
    env: z
      .array(z.string().regex(ENV_NAME_PATTERN, "must be an environment variable name like API_KEY"))
      .optional()
      .describe("Environment variables this file's config may read through ${NAME}."),
    retry: retrySchema.optional(),
    idempotent: z
      .boolean()
      .optional()
      .describe(
        "True when running the tool twice with the same parameters has the effect of running it once: a managed thread whose process died during a call runs it again on resume. Otherwise such a call waits for a person (kiwi threads resume --rerun or --skip).",
      ),
    dependencies: z
      .array(z.string().min(1))
      .optional()
      .describe("Packages or tools this tool needs installed."),
    actions: z.record(z.string(), toolActionSchema).optional().describe("Named sub-actions of the tool."),
    input_schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("JSON Schema of the arguments, when given."),
    capabilities: z
      .array(capabilityDefinitionSchema)
      .min(1)
      .optional()
      .describe("Capability definitions, for `tool_type: capability_set` only."),
  })
  .superRefine(
    (tool, ctx) => {
      const has = (key: "executor_id" | "module" | "export") => tool[key] !== undefined;
      const capabilitySet = tool.tool_type === "capability_set";
      if (capabilitySet !== (tool.capabilities !== undefined)) {
        ctx.addIssue({
          code: "custom",
          path: capabilitySet ? ["capabilities"] : ["tool_type"],
          message: capabilitySet
            ? "a capability_set lists its capabilities"
            : "capabilities are only allowed in a tool_type: capability_set",
          params: {
            fix: capabilitySet
              ? "add capabilities: [{name, description, …}]"
              : "write tool_type: capability_set",
          },
        });
      }
      if (capabilitySet) {
        if (has("executor_id") || has("module")) {
          ctx.addIssue({
            code: "custom",
            path: ["executor_id"],
            message: "a capability_set is data only: it names no executor_id or module",
            params: { fix: "remove executor_id / module" },
          });
        }
        return;
      }
      if (has("executor_id") === has("module")) {
        ctx.addIssue({
          code: "custom",
          path: has("module") ? ["module"] : ["executor_id"],
          message: has("module")
            ? "a tool names either executor_id or module, not both"
            : "the tool names neither executor_id nor module",
          params: {
            fix: "write executor_id: <parent tool or primitive>, or module: <specifier> with export: <name>",
          },
        });
      }
      if (has("module") && !has("export")) {
        ctx.addIssue({
          code: "custom",
          path: ["export"],
          message: "module needs an export",
          params: { fix: "add export: <name of the exported factory>" },
        });
      }
      if (has("export") && !has("module")) {
        ctx.addIssue({
          code: "custom",
          path: ["export"],
          message: "export is only meaningful with module",
          params: { fix: "remove export, or add module: <specifier>" },
        });
      }
    },
    {
      when: (payload) =>
        typeof payload.value === "object" && payload.value !== null && !Array.isArray(payload.value),
    },
  )
  .describe("A Kiwi tool: data that chains down to a primitive, or names a code module.");

export type ToolDefinition = z.infer<typeof toolSchema>;
