import { z } from "zod";

/**
 * The harness's settings, validated by the plugin loader (the host's options) before the factory runs.
 * All have defaults, because a managed thread instantiates its harness without settings.
 */
export const toolBudgetHarnessSettingsSchema = z.strictObject({
  system_prompt: z
    .string()
    .min(1)
    .max(20_000)
    .default("You carry out the task in the first message with the tools you are given.")
    .describe("The system prompt."),
  tools: z
    .array(z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a Kiwi tool id"))
    .min(1)
    .max(64)
    .optional()
    .describe("Kiwi tool ids the model may call directly (default: those the thread's token grants by id)."),
  max_tool_calls: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe("Tool calls the whole conversation may make."),
  max_turns: z.number().int().min(2).max(100).default(10).describe("Model calls, the final answer included."),
});

export type ToolBudgetHarnessSettings = z.input<typeof toolBudgetHarnessSettingsSchema>;
export type ResolvedToolBudgetHarnessSettings = z.output<typeof toolBudgetHarnessSettingsSchema>;
