import type { SinkEvent, SinkV1 } from "@kiwi/spec";

/** An event as the `return` sink hands it back: `data` parsed when it is a JSON object or array. */
export interface ReturnedEvent {
  event: string;
  data: unknown;
  id?: string;
}

export interface ReturnSink extends SinkV1 {
  /** The events kept so far, in order (at most `maxEvents`). */
  readonly events: ReturnedEvent[];
  /** True once an event arrived while the buffer was full (it was dropped). */
  readonly overflowed: boolean;
}

function parseData(data: string): unknown {
  // Only objects and arrays are parsed: a text token such as "42" or "true" stays the text it was.
  const c = data.charCodeAt(0);
  if (c !== 123 && c !== 91) return data; // "{" "["
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * The built-in `return` destination: buffers up to `maxEvents` events (default 10 000) for the call's
 * result. It never grows past the cap: later events are dropped and `overflowed` is set, which
 * http_client reports as STREAM_BUFFER_FULL. Writes are synchronous.
 */
export function createReturnSink(options: { maxEvents?: number } = {}): ReturnSink {
  const maxEvents = options.maxEvents ?? 10_000;
  const events: ReturnedEvent[] = [];
  let overflowed = false;
  // An event name arrives as a slice of a whole decoded chunk; keeping one copy per name stops the
  // buffer from pinning every chunk's text in memory.
  const names = new Map<string, string>();
  const nameOf = (name: string) => {
    const known = names.get(name);
    if (known !== undefined) return known;
    if (names.size < 64) names.set(name, name);
    return name;
  };
  return {
    specificationVersion: "sink-v1",
    id: "return",
    events,
    get overflowed() {
      return overflowed;
    },
    write(event: SinkEvent) {
      if (events.length >= maxEvents) {
        overflowed = true;
        return;
      }
      const data = parseData(event.data);
      const name = nameOf(event.event);
      events.push(event.id === undefined ? { event: name, data } : { event: name, data, id: event.id });
    },
    async close() {},
  };
}
