import { Agent, request } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import type { PrimitiveV1, SinkV1 } from "@kiwi/spec";
import { recordBenchRow } from "../../../scripts/bench-rows";
import { createHttpClientPrimitive as createFetchHttpClient } from "../src/http/http-client-primitive";
import { createHttpClientPrimitive } from "../src/http/node-http-client-primitive";
import { fmt } from "./measure";

/**
 * Per-call cost of one model-call-sized exchange (a POST with a small JSON body answered by a short
 * Anthropic SSE stream) over loopback: what every model call of an agent pays on top of the model. Each
 * variant keeps its connection pool across calls, as a long-running agent does.
 */
const BODY = JSON.stringify({
  model: "kiwi-bench-model",
  max_tokens: 1024,
  stream: true,
  messages: [{ role: "user", content: "Hi" }],
});

const agent = new Agent({ keepAlive: true });
/** (n) The floor: node:http keep-alive POST, body read and discarded. */
function rawNodeHttp(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    });
    req.end(BODY);
  });
}

/** (f) The same through fetch. */
async function rawFetch(url: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: BODY,
  });
  const reader = response.body!.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

const parseSink: SinkV1 = {
  specificationVersion: "sink-v1",
  id: "parse",
  write: (e) => {
    JSON.parse(e.data);
  },
  close: async () => {},
};

/** (k) http_client stream mode as a thread's model call runs it: a parsing sink, no return buffer. */
async function viaHttpClient(primitive: PrimitiveV1, url: string): Promise<number> {
  const result = await primitive.run({
    config: {
      url,
      method: "POST",
      mode: "stream",
      headers: { "x-api-key": "x", "anthropic-version": "2023-06-01" },
      body: BODY,
      stream: { return: false },
    },
    params: {},
    sinks: [parseSink],
    carriesSecret: true,
    context: { projectRoot: "/nonexistent", toolId: "bench", chain: ["bench", "http_client"], meta: {} },
  });
  if (!result.success) throw new Error(JSON.stringify(result.error));
  return result.stream_events_count as number;
}

interface CallVariant {
  key: string;
  name: string;
  call: () => Promise<number>;
  expected: number;
}

/** Median µs per call over `rounds` batches of `batch` calls, variants interleaved batch by batch. */
async function perCall(variants: CallVariant[], rounds: number, batch: number): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  for (const v of variants) for (let i = 0; i < batch; i++) await v.call(); // warm-up, connections open
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const started = performance.now();
      for (let i = 0; i < batch; i++) {
        const got = await v.call();
        if (got !== v.expected) throw new Error(`${v.name}: expected ${v.expected}, got ${got}`);
      }
      samples.get(v.key)!.push(((performance.now() - started) * 1000) / batch);
    }
  }
  const out = new Map<string, number>();
  for (const [key, list] of samples) out.set(key, list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
  return out;
}

/** Prints and records the model-call table: http_client (node:http and fetch) against raw reads and the SDK. */
export async function benchModelCall(o: {
  origin: string;
  events: number;
  bytes: number;
}): Promise<string[]> {
  const url = `${o.origin}/v1/messages`;
  const sdk = new Anthropic({ apiKey: "x", baseURL: o.origin, maxRetries: 0 });
  const node = createHttpClientPrimitive();
  const viaFetch = createFetchHttpClient({ fetch: (input, init) => fetch(input, init) });
  const variants: CallVariant[] = [
    { key: "n", name: "(n) raw node:http keep-alive read", call: () => rawNodeHttp(url), expected: o.bytes },
    { key: "f", name: "(f) raw fetch read", call: () => rawFetch(url), expected: o.bytes },
    {
      key: "s",
      name: "(s) @anthropic-ai/sdk create({stream})",
      call: async () => {
        let count = 0;
        for await (const _event of await sdk.messages.create({
          model: "kiwi-bench-model",
          max_tokens: 1024,
          messages: [{ role: "user", content: "Hi" }],
          stream: true,
        }))
          count++;
        return count + 1; // the SDK drops `ping`
      },
      expected: o.events,
    },
    {
      key: "k",
      name: "(k) http_client stream, node:http",
      call: () => viaHttpClient(node, url),
      expected: o.events,
    },
    {
      key: "kf",
      name: "(k') http_client stream, fetch",
      call: () => viaHttpClient(viaFetch, url),
      expected: o.events,
    },
  ];
  const rounds = Number(process.env.CALL_ROUNDS ?? 15);
  const us = await perCall(variants, rounds, Number(process.env.CALL_BATCH ?? 100));
  const at = (key: string) => us.get(key)!;
  console.log(
    `\nmodel call: POST + ${o.events}-event SSE reply (${fmt(o.bytes)} bytes), µs per call (median of ${rounds} batches)`,
  );
  console.log(
    `${"measurement".padEnd(42)}${"µs/call".padStart(9)}${"÷ (n)".padStart(8)}${"÷ (s)".padStart(8)}`,
  );
  for (const v of variants) {
    console.log(
      `${v.name.padEnd(42)}${at(v.key).toFixed(0).padStart(9)}${(at(v.key) / at("n")).toFixed(2).padStart(8)}${(at(v.key) / at("s")).toFixed(2).padStart(8)}`,
    );
    if (v.key === "n") continue;
    recordBenchRow({
      benchmark: `model call (${o.events} events): ${v.name}`,
      value: at(v.key),
      unit: "µs/call",
      baseline: `(n) raw node:http ${at("n").toFixed(0)} µs`,
      ratio: at(v.key) / at("n"),
      ratioKind: "time",
    });
  }
  recordBenchRow({
    benchmark: `model call (${o.events} events): (k) http_client node:http vs the SDK`,
    value: at("k"),
    unit: "µs/call",
    baseline: `(s) @anthropic-ai/sdk ${at("s").toFixed(0)} µs`,
    ratio: at("s") / at("k"),
    ratioKind: "faster",
    target: "≥ 1.00×",
    met: at("k") <= at("s"),
  });
  return [
    `model call (${o.events} events): http_client ${at("k").toFixed(0)} µs = ${(at("k") / at("n")).toFixed(2)}× raw node:http, ` +
      `${(at("s") / at("k")).toFixed(2)}× faster than the SDK; with fetch it was ${at("kf").toFixed(0)} µs ` +
      `(${(at("kf") / at("k")).toFixed(2)}× the node:http time, ${(at("s") / at("kf")).toFixed(2)}× vs the SDK)`,
  ];
}
