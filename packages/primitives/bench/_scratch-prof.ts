import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SinkV1 } from "@kiwi/spec";
import { createHttpClientPrimitive } from "../src/http/http-client-primitive";
import { buildAnthropicStream, toChunks } from "./anthropic-stream";
import { eventsourceParser } from "./baselines";
import { createJsonlFileSink } from "./jsonl-file-sink";
import { startSseServer } from "./sse-server";

const dir = mkdtempSync(join(tmpdir(), "kiwi-prof-"));
const server = await startSseServer();
server.setChunks(toChunks(buildAnthropicStream(100000)));
const url = `${server.origin}/s`;
const primitive = createHttpClientPrimitive();
const which = process.argv[2] ?? "1";
let n = 0;
async function once() {
  if (which === "b") return eventsourceParser(url);
  const sinks: SinkV1[] = which === "3" ? [createJsonlFileSink(join(dir, `f${n++}.jsonl`))] : [];
  const r = await primitive.run({
    config: { url, mode: "stream", stream: { max_buffer_size: 1e6, return: which !== "0" } },
    params: {},
    context: { projectRoot: dir, toolId: "b", chain: [], meta: { __sinks: sinks } },
  });
  for (const s of sinks) await s.close();
  return r.stream_events_count as number;
}
for (let i = 0; i < 3; i++) await once();
const t: number[] = [];
for (let i = 0; i < 10; i++) {
  const s = performance.now();
  await once();
  t.push(performance.now() - s);
}
t.sort((a, b) => a - b);
console.log(which, t.map((x) => x.toFixed(0)).join(" "));
await server.close();
