import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { largeEvents, normalizeEvent, orderedEvents, trickyEvents } from "./sink-events";
import { testSink } from "./test-sink";

/** A reference sink: keeps copies in memory, alternates sync and async writes. */
function memorySink(store: SinkEvent[]): SinkV1 {
  let n = 0;
  return {
    specificationVersion: "sink-v1",
    id: "memory_sink",
    write(event) {
      store.push({ ...event });
      n += 1;
      return n % 2 === 0 ? Promise.resolve() : undefined;
    },
    async close() {},
  };
}

const stores = new WeakMap<SinkV1, SinkEvent[]>();

testSink(
  "memory reference sink",
  () => {
    const store: SinkEvent[] = [];
    const sink = memorySink(store);
    stores.set(sink, store);
    return sink;
  },
  { readBack: async ({ sink }) => stores.get(sink) ?? [] },
);

testSink("memory reference sink without readBack", () => memorySink([]));

describe("sink event fixtures", () => {
  it("orderedEvents numbers its events and sets some ids", () => {
    const events = orderedEvents(4);
    expect(events.map((e) => e.data)).toEqual(["event 0", "event 1", "event 2", "event 3"]);
    expect(events[0]?.id).toBe("0");
    expect(events[1]?.id).toBeUndefined();
  });

  it("large events are 1 MiB in UTF-8", () => {
    for (const event of largeEvents()) expect(Buffer.byteLength(event.data, "utf8")).toBe(1024 * 1024);
  });

  it("tricky events include empty data, line breaks and non-ASCII text", () => {
    expect(trickyEvents.some((e) => e.data === "")).toBe(true);
    expect(trickyEvents.some((e) => e.data.includes("\n"))).toBe(true);
    expect(trickyEvents.some((e) => [...e.data].some((c) => (c.codePointAt(0) ?? 0) > 0x7f))).toBe(true);
  });

  it("normalizeEvent drops an undefined id", () => {
    expect(Object.keys(normalizeEvent({ event: "e", data: "d", id: undefined }))).toEqual(["event", "data"]);
  });
});
