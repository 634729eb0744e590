import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SinkEvent } from "@kiwi/spec";
import { createSseParser } from "../src/sse/sse-parser";
import { buildAnthropicStream, toChunks } from "./anthropic-stream";
import { createJsonlFileSink } from "./jsonl-file-sink";
const dir = mkdtempSync(join(tmpdir(), "kiwi-f-"));
const evs: SinkEvent[] = [];
const p = createSseParser({ onEvent: (e) => evs.push(e) });
for (const c of toChunks(buildAnthropicStream(100000))) p.feed(c);
let x = 0;
const modes: Record<string, () => Promise<void>> = {
  stringify: async () => { for (const e of evs) x += JSON.stringify(e).length; },
  concat: async () => { let s = ""; for (const e of evs) { s += `${JSON.stringify(e)}\n`; if (s.length > 65536) { x += s.length; s = ""; } } },
  sink: async () => { const s = createJsonlFileSink(join(dir, `f${x++}.jsonl`)); for (const e of evs) { const r = s.write(e); if (r) await r; } await s.flush!(); await s.close(); },
};
for (const [name, fn] of Object.entries(modes)) {
  for (let i = 0; i < 3; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < 7; i++) { const s = performance.now(); await fn(); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  console.log(name, t.map((v) => v.toFixed(0)).join(" "));
}
