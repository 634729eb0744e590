import type { SinkEvent } from "@kiwi/spec";

/**
 * One line of a file_sink. In `jsonl`, `data` stays the exact string the stream sent, never parsed: the
 * file is evidence of what arrived, `"5"` and `5` stay distinct, and JSON.stringify escapes newlines so a
 * payload can never forge a second line. Readers `JSON.parse(line.data)` when they expect JSON.
 */
export function encodeEvent(format: "jsonl" | "raw", event: SinkEvent, now: () => Date): string {
  if (format === "raw") return `${event.data}\n`;
  const { event: name, data, id } = event;
  const ts = now().toISOString();
  return `${JSON.stringify(id === undefined ? { event: name, data, ts } : { event: name, data, id, ts })}\n`;
}
