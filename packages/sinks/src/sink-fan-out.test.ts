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
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("createSinkFanOut", () => {
  it("stays synchronous for synchronous sinks", () => {
    const seen: string[] = [];
    const fan = createSinkFanOut([sinkOf("s", { write: (e) => void seen.push(e.data) })]);
    expect(fan.write(ev("1"))).toBeUndefined();
    expect(fan.write(ev("2"))).toBeUndefined();
    expect(seen).toEqual(["1", "2"]);
    expect(fan.busy).toBe(false);
  });

  it("gives an async sink its next event only after its write settled, without holding back the others", async () => {
    const seen: string[] = [];
    const inFlight = { a: 0, max: 0 };
    const fast = sinkOf("s", { write: (e) => void seen.push(`s${e.data}`) });
    const slow = sinkOf("a", {
      write: async (e) => {
        inFlight.a++;
        inFlight.max = Math.max(inFlight.max, inFlight.a);
        await tick(5);
        seen.push(`a${e.data}`);
        inFlight.a--;
      },
    });
    const fan = createSinkFanOut([fast, slow]);
    for (const d of ["1", "2", "3"]) expect(fan.write(ev(d))).toBeUndefined();
    // The synchronous sink has everything at once; the slow one is still on its first event.
    expect(seen).toEqual(["s1", "s2", "s3"]);
    expect(fan.busy).toBe(true);
    await fan.drain();
    expect(fan.busy).toBe(false);
    expect(seen).toEqual(["s1", "s2", "s3", "a1", "a2", "a3"]);
    expect(inFlight.max).toBe(1);
    expect(fan.ids).toEqual(["s", "a"]);
  });

  it("makes the writer wait once a busy sink's backlog passes 1 MiB, and bounds it", async () => {
    let release: () => void = () => {};
    let received = 0;
    const stuck = sinkOf("stuck", {
      write: () => {
        received++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const fan = createSinkFanOut([stuck]);
    const big = "x".repeat(64 * 1024);
    let waits: Promise<void> | undefined;
    let writes = 0;
    while (waits === undefined && writes < 100) {
      waits = fan.write(ev(big));
      writes++;
    }
    expect(waits).toBeInstanceOf(Promise);
    expect(writes).toBeGreaterThan(10); // about 1 MiB of backlog, not a wait per event
    expect(writes).toBeLessThan(20);
    let done = false;
    void waits!.then(() => {
      done = true;
    });
    // Each release lets the sink take its next event; the wait ends when the backlog is empty.
    while (!done) {
      release();
      await tick(0);
    }
    expect(received).toBe(writes);
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
    fan.write(ev("1"));
    fan.write(ev("2"));
    fan.write(ev("3"));
    await fan.flush();
    expect(calls).toBe(1);
    expect(fan.failures).toEqual([
      { sink: "thrower", phase: "write", message: "sync boom", events_written: 1 },
      { sink: "bad", phase: "write", message: "disk full", code: "SINK_WRITE_FAILED", events_written: 0 },
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
