import { z } from "zod";

/** Settings of file_sink, validated by the plugin loader (unknown keys are errors) and by the factory. */
export const fileSinkSettingsSchema = z.strictObject({
  path: z
    .string()
    .min(1, "path must not be empty")
    .describe("Project-relative file path; templated values ({thread_id}) are substituted before."),
  format: z
    .enum(["jsonl", "raw"])
    .default("jsonl")
    .describe("jsonl: one {event, data, id?, ts} object per line; raw: the data followed by a newline."),
  flush_every: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1)
    .describe("Write to the file every N events (1 = write-through). Buffers also flush at 1 MiB."),
  fsync_on_close: z.boolean().default(true).describe("fsync the file (and a newly made folder) on close."),
  append: z.boolean().default(true).describe("Append to an existing file; false truncates it on open."),
});

/** What a YAML definition or a caller writes (defaults optional). */
export type FileSinkSettings = z.input<typeof fileSinkSettingsSchema>;
/** Settings after defaults. */
export type ResolvedFileSinkSettings = z.output<typeof fileSinkSettingsSchema>;
