import { z } from "zod";

/**
 * The sink's own settings schema. The kernel's plugin loader finds it on `createJsonlCounterSink.settingsSchema`
 * (any Standard Schema works; zod 4 is one) and validates a destination's options with it before the factory
 * runs, so a typo in the YAML fails with PLUGIN_INVALID naming this plugin and the YAML file.
 */
export const jsonlCounterSinkSettingsSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(1024)
    .describe("Project-relative file to write, e.g. .ai/threads/{thread_id}/events.jsonl."),
  events: z
    .array(z.string().min(1).max(200))
    .max(100)
    .optional()
    .describe("Keep only these event names; the others are counted as skipped. Default: keep all."),
  summary: z.boolean().default(true).describe("Append a summary line when the stream closes."),
});

/** What a destination may write in YAML (defaults optional). */
export type JsonlCounterSinkSettings = z.input<typeof jsonlCounterSinkSettingsSchema>;
