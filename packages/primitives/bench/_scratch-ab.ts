import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createHttpClientPrimitive } from "../src/http/http-client-primitive";
import { buildAnthropicStream, toChunks } from "./anthropic-stream";
import { eventsourceParser } from "./baselines";
import { startSseServer } from "./sse-server";
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const N = Number(process.argv[2] ?? 10000);
const useGc = process.argv[3] === "gc";
const server = await startSseServer();
server.setChunks(toChunks(buildAnthropicStream(N)));
const url = `${server.origin}/s`;
const primitive = createHttpClientPrimitive();
let parsed: unknown;
const v: Record<string, () => Promise<unknown>> = {
  b: () => eventsourceParser(url),
  p0: () => primitive.run({ config: { url, mode: "stream", stream: { return: false } }, params: {}, context: { projectRoot: "/", toolId: "b", chain: [], meta: { __sinks: [{ specificationVersion: "sink-v1", id: "p", write: (e: { data: string }) => { parsed = JSON.parse(e.data); }, close: async () => {} }] } } }),
  p1: () => primitive.run({ config: { url, mode: "stream", stream: { max_buffer_size: 1e6 } }, params: {}, context: { projectRoot: "/", toolId: "b", chain: [], meta: {} } }),
};
const t: Record<string, number[]> = { b: [], p0: [], p1: [] };
for (let r = 0; r < 25; r++) for (const [k, fn] of Object.entries(v)) { if (useGc) gc(); const s = performance.now(); await fn(); if (r >= 5) t[k]!.push(performance.now() - s); }
for (const [k, l] of Object.entries(t)) { l.sort((a, b) => a - b); console.log(k, l.map((x) => x.toFixed(0)).join(" ")); }
await server.close();
void parsed;
