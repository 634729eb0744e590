import type { SinkEvent } from "@kiwi/spec";

/** Distinct event names whose JSON prefix is kept; a stream has a handful, a hostile one cannot grow it. */
const MAX_CACHED_NAMES = 256;

/**
 * Builds the line encoder of one file_sink. In `jsonl`, a line is `{"event","data","id"?,"ts"}` and
 * `data` stays the exact string the stream sent, never parsed: the file is evidence of what arrived, `"5"`
 * and `5` stay distinct, and JSON.stringify escapes newlines so a payload can never forge a second line.
 * Readers `JSON.parse(line.data)` when they expect JSON.
 *
 * The encoder is on the path of every streamed event, so it does the least per event: the
 * `{"event":"…","data":` prefix is built once per event name, only the strings are escaped (no object to
 * serialise), and the ISO timestamp is formatted once per millisecond.
 */
export function createEventEncoder(
  format: "jsonl" | "raw",
  /** Milliseconds since the epoch (`Date.now`, or a test clock). */
  nowMs: () => number,
): (event: SinkEvent) => string {
  if (format === "raw") return (event) => `${event.data}\n`;
  const prefixes = new Map<string, string>();
  let lastMs = Number.NaN;
  let tsSuffix = "";
  return (event) => {
    let prefix = prefixes.get(event.event);
    if (prefix === undefined) {
      prefix = `{"event":${JSON.stringify(event.event)},"data":`;
      if (prefixes.size < MAX_CACHED_NAMES) prefixes.set(event.event, prefix);
    }
    const ms = nowMs();
    if (ms !== lastMs) {
      lastMs = ms;
      tsSuffix = `,"ts":"${new Date(ms).toISOString()}"}\n`;
    }
    const id = event.id === undefined ? "" : `,"id":${JSON.stringify(event.id)}`;
    return `${prefix}${JSON.stringify(event.data)}${id}${tsSuffix}`;
  };
}
