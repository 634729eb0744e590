import { describe, expect, it } from "vitest";
import { createReturnSink } from "./return-sink";

describe("createReturnSink", () => {
  it("parses JSON objects and arrays, keeps other data as text, and keeps ids", () => {
    const sink = createReturnSink();
    sink.write({ event: "a", data: '{"x":1}', id: "7" });
    sink.write({ event: "b", data: "[1,2]" });
    sink.write({ event: "c", data: "[DONE]" });
    sink.write({ event: "d", data: "42" });
    expect(sink.events).toEqual([
      { event: "a", data: { x: 1 }, id: "7" },
      { event: "b", data: [1, 2] },
      { event: "c", data: "[DONE]" },
      { event: "d", data: "42" },
    ]);
    expect(sink.id).toBe("return");
  });

  it("never grows past maxEvents and says it overflowed", () => {
    const sink = createReturnSink({ maxEvents: 2 });
    for (let i = 0; i < 5; i++) sink.write({ event: "m", data: String(i) });
    expect(sink.events.map((e) => e.data)).toEqual(["0", "1"]);
    expect(sink.overflowed).toBe(true);
  });
});
