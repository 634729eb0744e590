import { createParser } from "eventsource-parser";
import { createSseParser } from "../src/sse/sse-parser";
import { buildAnthropicStream, toChunks } from "./anthropic-stream";

const N = 100000;
const chunks = toChunks(buildAnthropicStream(N), 65536);
function esp(parse: boolean) {
  let n = 0;
  let x = 0;
  const p = createParser({
    onEvent: (e) => {
      n++;
      if (parse) x += (JSON.parse(e.data) as { type: string }).type.length;
    },
  });
  const d = new TextDecoder();
  for (const c of chunks) p.feed(d.decode(c, { stream: true }));
  return n + x * 0;
}
function mine(parse: boolean) {
  let n = 0;
  let x = 0;
  const p = createSseParser({
    onEvent: (e) => {
      n++;
      if (parse) x += (JSON.parse(e.data) as { type: string }).type.length;
    },
  });
  for (const c of chunks) p.feed(c);
  p.end();
  return n + x * 0;
}
for (const [name, fn] of [
  ["esp", esp],
  ["mine", mine],
  ["esp", esp],
  ["mine", mine],
] as const) {
  for (const parse of [false, true]) {
    for (let w = 0; w < 3; w++) fn(parse);
    const t: number[] = [];
    for (let r = 0; r < 9; r++) {
      const s = performance.now();
      const n = fn(parse);
      t.push(performance.now() - s);
      if (n !== N) throw new Error(`count ${n}`);
    }
    t.sort((a, b) => a - b);
    console.log(
      name,
      parse ? "+json" : "     ",
      t[4]!.toFixed(1),
      "ms",
      Math.round(N / (t[4]! / 1000)),
      "ev/s",
    );
  }
}
