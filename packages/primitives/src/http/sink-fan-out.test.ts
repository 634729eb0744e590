import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createFanOut, sinksFromMeta } from "./sink-fan-out";

const ev = (data: string): SinkEvent => ({ event: "message", data });

describe("createFanOut", () => {
  it("stays synchronous for synchronous sinks and awaits asynchronous ones in order", async () => {
    const seen: string[] = [];
    const syncSink: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "s",
      write: (e) => void seen.push(`s${e.data}`),
      close: async () => {},
    };
    expect(createFanOut([syncSink]).write(ev("1"))).toBeUndefined();
    const asyncSink: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "a",
      write: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(`a${e.data}`);
      },
      close: async () => {},
    };
    const fan = createFanOut([syncSink, asyncSink]);
    await fan.write(ev("2"));
    await fan.write(ev("3"));
    expect(seen).toEqual(["s1", "s2", "a2", "s3", "a3"]);
  });

  it("isolates a sink that rejects or whose flush fails, recording it once", async () => {
    let calls = 0;
    const bad: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "bad",
      write: async () => {
        calls++;
        throw new Error("disk full");
      },
      flush: async () => {
        throw new Error("never reached");
      },
      close: async () => {},
    };
    const flaky: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "flaky",
      write: () => {},
      flush: async () => Promise.reject(new Error("fsync")),
      close: async () => {},
    };
    const fan = createFanOut([bad, flaky]);
    await fan.write(ev("1"));
    await fan.write(ev("2"));
    await fan.flush();
    expect(calls).toBe(1);
    expect(fan.errors).toEqual([
      { sink: "bad", phase: "write", message: "disk full", events_written: 0 },
      { sink: "flaky", phase: "flush", message: "fsync", events_written: 2 },
    ]);
  });

  it("refuses something that is not a sink in meta.__sinks", () => {
    expect(sinksFromMeta(undefined)).toEqual([]);
    expect(() => sinksFromMeta([{ id: "x" }])).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });
});
