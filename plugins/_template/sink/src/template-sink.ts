import type { SinkContext, SinkEvent, SinkV1 } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { z } from "zod";

/** The plugin's own settings schema: the loader validates the YAML options with it (unknown keys fail). */
export const templateSinkSettingsSchema = z.strictObject({
  prefix: z.string().max(100).default("").describe("Written before each line."),
});

export type TemplateSinkSettings = z.input<typeof templateSinkSettingsSchema>;

/** Where lines go; tests pass their own. */
export interface TemplateSinkOptions {
  readonly output?: { write(chunk: string): unknown };
}

/** template_sink: writes each event as one line `<prefix><event>: <data as JSON string>` to stderr. */
export function createTemplateSink(
  settings: TemplateSinkSettings = {},
  _context?: SinkContext,
  options: TemplateSinkOptions = {},
): SinkV1 {
  const { prefix } = templateSinkSettingsSchema.parse(settings);
  const output = options.output ?? process.stderr;
  let closed = false;
  return {
    specificationVersion: "sink-v1",
    id: "template_sink",
    write(event: SinkEvent) {
      if (closed) throw new KiwiError({ code: "SINK_CLOSED", message: "template_sink: write after close" });
      // JSON.stringify keeps a payload's newlines from forging extra lines.
      output.write(`${prefix}${event.event}: ${JSON.stringify(event.data)}\n`);
    },
    async close() {
      closed = true;
    },
  };
}

createTemplateSink.settingsSchema = templateSinkSettingsSchema;
