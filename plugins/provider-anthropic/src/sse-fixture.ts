// Test support: reads a recorded SSE stream from __fixtures__ as the events http_client hands over and
// as the raw bytes an SDK reads from the wire. (Not exported; the fixtures are well-formed by design.)
import { readFileSync } from "node:fs";
import type { SinkEvent } from "@kiwi/spec";

export function fixtureText(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8");
}

/** Splits SSE text into events the way http_client does: `event` defaults to "message", data lines join with "\n". */
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

export function fixtureEvents(name: string): SinkEvent[] {
  return sseEvents(fixtureText(name));
}

/**
 * The events as http_client's `return` body hands them back: `data` parsed when it is a JSON object or
 * array, left as text otherwise (mirrors @kiwi/primitives' return sink).
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

/** A fetch that answers every request with the recorded stream, cut into small chunks. */
export function fixtureFetch(text: string, chunkSize = 64): typeof fetch {
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
