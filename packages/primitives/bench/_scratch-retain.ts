import { buildAnthropicStream, toChunks } from "./anthropic-stream";
import { createSseParser } from "../src/sse/sse-parser";
const chunks = toChunks(buildAnthropicStream(100000));
const mode = process.argv[2]!;
function run() {
  const kept: unknown[] = [];
  let last: unknown;
  let lastName = "";
  const p = createSseParser({ onEvent: (e) => {
    if (mode === "discard") last = JSON.parse(e.data);
    else if (mode === "retain") kept.push({ event: e.event, data: JSON.parse(e.data) });
    else if (mode === "retainintern") kept.push({ event: e.event === lastName ? lastName : (lastName = e.event), data: JSON.parse(e.data) });
    else if (mode === "retainraw") kept.push(e);
    else if (mode === "retainboth") { kept.push(e); last = JSON.parse(e.data); }
  } });
  for (const c of chunks) p.feed(c);
  return kept.length + (last ? 1 : 0);
}
for (let i = 0; i < 3; i++) run();
const t: number[] = [];
for (let i = 0; i < 10; i++) { const s = performance.now(); run(); t.push(performance.now() - s); }
t.sort((a, b) => a - b);
console.log(mode, t.map((x) => x.toFixed(0)).join(" "));
