import { MODEL_TIERS } from "@kiwi/spec";
import { z } from "zod";
import { nameListSchema, paramNameSchema, semverSchema, snakeCaseSchema, VALUE_TYPES } from "./common-schema";
import { permissionsSchema } from "./directive-permissions-schema";

// The tier names are part of the provider contract (a provider's pricing data maps each to a model).
export { MODEL_TIERS };
export const ON_EXCEEDED = ["stop", "warn", "escalate"] as const;

const positiveInt = (what: string) => z.number().int().positive().describe(what);

export const modelSchema = z
  .strictObject({
    tier: z.enum(MODEL_TIERS).describe("Capability tier; the harness maps it to a concrete model."),
    fallback: z
      .string()
      .min(1)
      .optional()
      .describe("Tier or model to use when the first choice is unavailable."),
    id: z.string().min(1).optional().describe("A specific model id, overriding the tier mapping."),
    reasoning: z.string().optional().describe("Why this tier (the element's text)."),
  })
  .describe('<model tier="…" fallback="…" id="…">why</model>');

export const costSchema = z
  .strictObject({
    max_turns: positiveInt("Most LLM turns a thread may take."),
    on_exceeded: z.enum(ON_EXCEEDED).describe("What happens when a budget runs out."),
    max_input_tokens: positiveInt("Most input tokens over the thread.").optional(),
    max_output_tokens: positiveInt("Most output tokens over the thread.").optional(),
    max_total_tokens: positiveInt("Most input + output tokens over the thread.").optional(),
    max_cost_usd: z.number().positive().optional().describe("Most spend in US dollars."),
    max_context_tokens: positiveInt("Largest context window the thread may fill.").optional(),
    context_warning_threshold: z
      .number()
      .gt(0)
      .lte(1)
      .optional()
      .describe("Fraction of max_context_tokens (0-1] at which the harness warns."),
    compact_at: z
      .number()
      .gt(0)
      .lte(1)
      .optional()
      .describe(
        "Fraction of the context limit (0-1] at which the runtime compacts the conversation: older turns replaced by a model-written summary (off unless set).",
      ),
  })
  .describe("Budgets; required before the directive can run on a thread.");

export const relationshipsSchema = z
  .strictObject({
    requires: nameListSchema.describe("Directives this one needs."),
    suggests: nameListSchema.describe("Directives worth running with this one."),
    extends: nameListSchema.describe("Directives this one builds on."),
    related: nameListSchema.describe("Other related directives."),
  })
  .describe("Links to other directives, by name.");

export const metadataSchema = z.strictObject({
  description: z.string().min(1).describe("What the directive does; shown by search."),
  category: z.string().describe('The <category> text ("" when absent); must match the folder when given.'),
  author: z.string().optional(),
  model: modelSchema.optional(),
  harness: snakeCaseSchema
    .optional()
    .describe(
      "<harness>: the tool id of the tool_type: harness definition that runs this directive on a thread (default kiwi_harness); checked when the directive is signed.",
    ),
  cost: costSchema.optional(),
  permissions: permissionsSchema,
  relationships: relationshipsSchema.optional(),
});

export const directiveInputSchema = z
  .strictObject({
    name: paramNameSchema,
    type: z.enum(VALUE_TYPES),
    required: z.boolean(),
    default: z.string().optional().describe("Default value, as written in the XML attribute."),
    description: z.string().describe("The element's text."),
  })
  .describe('<input name="…" type="…" required="true|false" default="…">description</input>');

export const processStepSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string(),
    action: z.string(),
    condition: z.string().optional().describe("When the step applies (free text)."),
  })
  .describe('<step name="…" condition="…"><description/><action/></step>');

const uniqueInputs = z.array(directiveInputSchema).superRefine(
  (inputs, ctx) => {
    const seen = new Set<string>();
    for (const [index, input] of inputs.entries()) {
      const name: unknown = typeof input === "object" && input !== null ? input.name : undefined;
      if (typeof name !== "string") continue;
      if (seen.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `input "${name}" is declared twice`,
          params: { fix: "keep one <input> per name" },
        });
      }
      seen.add(name);
    }
  },
  // Report duplicates even when another input is invalid, so one pass shows every problem.
  { when: (payload) => Array.isArray(payload.value) },
);

/** A directive as parsed from the XML block of its Markdown file. */
export const directiveSchema = z
  .strictObject({
    name: snakeCaseSchema.describe("Directive name; equals the file name without .md."),
    version: semverSchema
      .refine((v) => v !== "0.0.0", "version 0.0.0 is a placeholder; start at 1.0.0")
      .describe("Semantic version MAJOR.MINOR.PATCH."),
    metadata: metadataSchema,
    inputs: uniqueInputs.describe("Inputs the caller passes as parameters."),
    process: z.array(processStepSchema).describe("The steps, in order."),
    context: z.record(z.string(), z.string()).describe("Free-form facts (children of <context>, text only)."),
    success_criteria: z.array(z.string()).describe("How to tell the work is done."),
    outputs: z
      .record(z.string(), z.string())
      .describe("Expected outputs (children of <outputs>, text only)."),
  })
  .describe("A Kiwi directive: a workflow with inputs, steps, permissions and budgets.");

export type Directive = z.infer<typeof directiveSchema>;
