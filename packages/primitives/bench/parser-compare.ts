import { createParser } from "eventsource-parser";
import { recordBenchRow } from "../../../scripts/bench-rows";
import { createSseParser } from "../src/sse/sse-parser";
import { fmt, perSecond } from "./measure";

function timeMedian(fn: () => number, expected: number, runs = 9): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    if (fn() !== expected) throw new Error("wrong event count");
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Parser alone, in memory (no HTTP, no JSON.parse): Kiwi's sse-parser against eventsource-parser. */
export function compareParsers(chunks: readonly Uint8Array[], events: number): void {
  const ours = () => {
    let n = 0;
    const p = createSseParser({ onEvent: () => void n++ });
    for (const c of chunks) p.feed(c);
    p.end();
    return n;
  };
  const theirs = () => {
    let n = 0;
    const p = createParser({ onEvent: () => void n++ });
    const decoder = new TextDecoder();
    for (const c of chunks) p.feed(decoder.decode(c, { stream: true }));
    return n;
  };
  const a = timeMedian(ours, events);
  const b = timeMedian(theirs, events);
  console.log(
    `parser only, in memory: sse-parser ${a.toFixed(1)} ms (${fmt(perSecond(events, a))}/s), ` +
      `eventsource-parser + TextDecoder ${b.toFixed(1)} ms (${fmt(perSecond(events, b))}/s), ratio ${(a / b).toFixed(2)}`,
  );
  recordBenchRow({
    benchmark: `SSE ${fmt(events)} events: parser only, in memory: sse-parser`,
    value: perSecond(events, a),
    unit: "events/s",
    baseline: `eventsource-parser + TextDecoder ${fmt(perSecond(events, b))} events/s`,
    ratio: a / b,
    ratioKind: "time",
  });
}
