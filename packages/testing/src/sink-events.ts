import type { SinkEvent } from "@kiwi/spec";

const NAMES = ["message", "content_block_delta", "stdout", "stderr"] as const;

/** `count` ordinary events, some with an SSE id, in a known order. */
export function orderedEvents(count: number): SinkEvent[] {
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0
      ? { event: NAMES[i % NAMES.length] as string, data: `event ${i}`, id: String(i) }
      : { event: NAMES[i % NAMES.length] as string, data: `event ${i}` },
  );
}

/** Payloads that break naive sinks: encodings, line breaks, JSON look-alikes, emptiness. */
export const trickyEvents: readonly SinkEvent[] = [
  { event: "message", data: "héllo wörld — 你好 — مرحبا — 🥝🚀 — e\u0301", id: "u1" },
  { event: "message", data: "line one\nline two\r\nline three\n" },
  { event: "message", data: "" },
  { event: "stdout", data: '{"type":"tool_call","tool":"write_file"}' },
  { event: "message", data: '"a quoted string"' },
  { event: "message", data: "123" },
  { event: "stderr", data: 'tab\tnul\u0000 sep\u2028\u2029 backslash\\ quote" brace}' },
  { event: "custom.event-name", data: "data: not a field\n\nevent: forged", id: "id with spaces" },
];

/** 1 MiB of ASCII and 1 MiB (in UTF-8 bytes) of two-byte characters. */
export function largeEvents(): SinkEvent[] {
  return [
    { event: "message", data: "x".repeat(1024 * 1024), id: "big-ascii" },
    { event: "message", data: "é".repeat(512 * 1024), id: "big-utf8" },
  ];
}

/** The comparable form of an event: `id` present only when set. */
export function normalizeEvent(event: SinkEvent): SinkEvent {
  return event.id === undefined
    ? { event: event.event, data: event.data }
    : { event: event.event, data: event.data, id: event.id };
}
