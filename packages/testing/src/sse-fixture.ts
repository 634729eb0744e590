// Recorded SSE streams for provider tests: the same bytes as the events http_client hands over, as the
// `return` body hands them back, and as a fetch an official SDK reads (the SDK as an oracle).
import { readFileSync } from "node:fs";
import type { SinkEvent } from "@kiwi/spec";

/** A recorded stream: its raw text and its events. */
export interface SseFixture {
  readonly text: string;
  readonly events: SinkEvent[];
}

/**
 * Splits SSE text into events the way http_client does: `event` defaults to "message", data lines join
 * with "\n", a block without data is not an event. (Recorded fixtures are well-formed by design; the
 * primitive's own parser handles the hostile cases.)
 */
export function sseEvents(text: string): SinkEvent[] {
  const events: SinkEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trimStart();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return events;
}

/** Reads a recorded stream, e.g. `readSseFixture(new URL("./__fixtures__/text-only.sse", import.meta.url))`. */
export function readSseFixture(url: URL): SseFixture {
  const text = readFileSync(url, "utf8");
  return { text, events: sseEvents(text) };
}

/**
 * The events as http_client's `return` body hands them back: `data` parsed when it is a JSON object or
 * array, left as text otherwise (mirrors the primitive's return sink). A provider's parser accepts both.
 */
export function asReturned(events: readonly SinkEvent[]): SinkEvent[] {
  return events.map((e) => {
    const c = e.data.charCodeAt(0);
    if (c !== 123 && c !== 91) return e;
    try {
      return { ...e, data: JSON.parse(e.data) as string };
    } catch {
      return e;
    }
  });
}

/** A fetch answering every request with the recorded stream, cut into `chunkSize`-byte chunks. */
export function sseFetch(text: string, chunkSize = 64): typeof fetch {
  const bytes = new TextEncoder().encode(text);
  return async () => {
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
}
