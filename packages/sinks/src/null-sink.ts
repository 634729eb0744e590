import type { SinkContext, SinkV1 } from "@kiwi/spec";
import { z } from "zod";
import { invalidSettings, sinkClosed } from "./sink-errors";

/** null_sink takes no settings; an unknown key is an error, so a typo never passes silently. */
export const nullSinkSettingsSchema = z.strictObject({});

/** A sink that discards events. `count` says how many it accepted (tests, benchmarks). */
export interface NullSink extends SinkV1 {
  readonly count: number;
  readonly closed: boolean;
}

/** null_sink: accepts and discards every event, synchronously. */
export function createNullSink(settings: Record<string, unknown> = {}, _context?: SinkContext): NullSink {
  const parsed = nullSinkSettingsSchema.safeParse(settings);
  if (!parsed.success) throw invalidSettings("null_sink", parsed.error.issues);
  let count = 0;
  let closed = false;
  return {
    specificationVersion: "sink-v1",
    id: "null_sink",
    get count() {
      return count;
    },
    get closed() {
      return closed;
    },
    write() {
      if (closed) throw sinkClosed("null_sink");
      count += 1;
    },
    async flush() {},
    async close() {
      closed = true;
    },
  };
}

createNullSink.settingsSchema = nullSinkSettingsSchema;
