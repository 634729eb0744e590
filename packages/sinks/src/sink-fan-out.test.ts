import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { closeSinks } from "./close-sinks";
import { createSinkFanOut } from "./sink-fan-out";

const ev = (data: string): SinkEvent => ({ event: "message", data });
const sinkOf = (id: string, parts: Partial<SinkV1>): SinkV1 => ({
  specificationVersion: "sink-v1",
  id,
  write: () => {},
  close: async () => {},
  ...parts,
});

describe("createSinkFanOut", () => {
  it("stays synchronous for synchronous sinks and awaits asynchronous ones in order", async () => {
    const seen: string[] = [];
    const syncSink = sinkOf("s", { write: (e) => void seen.push(`s${e.data}`) });
    expect(createSinkFanOut([syncSink]).write(ev("1"))).toBeUndefined();
    const asyncSink = sinkOf("a", {
      write: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(`a${e.data}`);
      },
    });
    const slower = sinkOf("b", {
      write: async (e) => {
        await new Promise((r) => setTimeout(r, 10));
        seen.push(`b${e.data}`);
      },
    });
    const fan = createSinkFanOut([syncSink, asyncSink, slower]);
    await fan.write(ev("2"));
    await fan.write(ev("3"));
    expect(seen).toEqual(["s1", "s2", "a2", "b2", "s3", "a3", "b3"]);
    expect(fan.ids).toEqual(["s", "a", "b"]);
  });

  it("isolates a sink that throws, rejects or fails to flush, recording each once with its code", async () => {
    let calls = 0;
    const bad = sinkOf("bad", {
      write: async () => {
        calls++;
        throw new KiwiError({ code: "SINK_WRITE_FAILED", message: "disk full" });
      },
      flush: async () => {
        throw new Error("never reached");
      },
    });
    const thrower = sinkOf("thrower", {
      write: (e) => {
        if (e.data === "2") throw new Error("sync boom");
      },
    });
    const flaky = sinkOf("flaky", { flush: async () => Promise.reject(new Error("fsync")) });
    const fan = createSinkFanOut([bad, thrower, flaky]);
    await fan.write(ev("1"));
    await fan.write(ev("2"));
    await fan.write(ev("3"));
    await fan.flush();
    expect(calls).toBe(1);
    expect(fan.failures).toEqual([
      { sink: "bad", phase: "write", message: "disk full", code: "SINK_WRITE_FAILED", events_written: 0 },
      { sink: "thrower", phase: "write", message: "sync boom", events_written: 1 },
      { sink: "flaky", phase: "flush", message: "fsync", events_written: 3 },
    ]);
  });

  it("refuses something that is not a sink", () => {
    expect(createSinkFanOut([]).write(ev("x"))).toBeUndefined();
    expect(() => createSinkFanOut([{ id: "x" } as unknown as SinkV1])).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});

describe("closeSinks", () => {
  it("closes every sink, failed ones included, and reports close failures without throwing", async () => {
    const closed: string[] = [];
    const ok = sinkOf("ok", { close: async () => void closed.push("ok") });
    const broken = sinkOf("broken", {
      write: () => {
        throw new Error("x");
      },
      close: async () => {
        closed.push("broken");
        throw new KiwiError({ code: "SINK_FLUSH_INCOMPLETE", message: "3 events left" });
      },
    });
    const fan = createSinkFanOut([ok, broken]);
    fan.write(ev("1"));
    expect(await closeSinks([ok, broken])).toEqual([
      { sink: "broken", phase: "close", message: "3 events left", code: "SINK_FLUSH_INCOMPLETE" },
    ]);
    expect(closed.sort()).toEqual(["broken", "ok"]);
  });
});
