import type { SinkFailure } from "@kiwi/spec";

/** The `sink_errors` record of one failed sink: its id, the phase, the message and the code when known. */
export function toSinkFailure(o: {
  sink: string;
  phase: SinkFailure["phase"];
  error: unknown;
  /** Undefined for a close failure. */
  eventsWritten?: number;
}): SinkFailure {
  const message = o.error instanceof Error ? o.error.message : String(o.error);
  const code = (o.error as { code?: unknown } | null)?.code;
  return {
    sink: o.sink,
    phase: o.phase,
    message,
    ...(typeof code === "string" ? { code } : {}),
    ...(o.eventsWritten === undefined ? {} : { events_written: o.eventsWritten }),
  };
}
