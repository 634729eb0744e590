/**
 * SSE parse + fan-out benchmark: http_client stream mode (its Node default, node:http) against baselines
 * run in the same process, over the same loopback stream of Anthropic-shaped events written in ~16 KiB
 * chunks; then the per-call cost of a model-call-sized stream (model-call.ts).
 *   npx tsx bench/run.ts   (EVENTS=10000,100000 RUNS=7 CALL_EVENTS=40 CALL_ROUNDS=15 CALL_BATCH=100;
 *                           EVENTS=0 runs the model-call table only)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileSink } from "@kiwi/sinks/node";
import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { writeBenchRows } from "../../../scripts/bench-rows";
import { createHttpClientPrimitive } from "../src/http/node-http-client-primitive";
import { buildAnthropicStream, toChunks } from "./anthropic-stream";
import { eventsourceParser, rawNodeRead, rawRead, sdkMessageStream, sdkRawStream } from "./baselines";
import { createJsonlFileSink } from "./jsonl-file-sink";
import { measure, type Variant } from "./measure";
import { benchModelCall } from "./model-call";
import { compareParsers } from "./parser-compare";
import { printReport } from "./report";
import { startSseServer } from "./sse-server";

const SIZES = (process.env.EVENTS ?? "10000,100000")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const CALL_EVENTS = Number(process.env.CALL_EVENTS ?? 40);
const RUNS = Number(process.env.RUNS ?? 7);
const dir = mkdtempSync(join(tmpdir(), "kiwi-bench-"));
const primitive = createHttpClientPrimitive();
// The transport http_client used before node:http (and still uses when a caller injects a fetch).
const viaFetch = createHttpClientPrimitive({ fetch: (input, init) => fetch(input, init) });
const sink = (id: string, write: (e: SinkEvent) => void): SinkV1 => ({
  specificationVersion: "sink-v1",
  id,
  write,
  close: async () => {},
});
let parsed: unknown;
let fileNo = 0;
const parseSink = () =>
  sink("parse", (e) => {
    parsed = JSON.parse(e.data);
  });
// What a thread's model call runs: the harness's parsing sink (the caller's) and the real file_sink with the
// thread tools' settings (anthropic_thread.yaml: JSONL, flush_every 256, no fsync), no return buffer.
const threadPath = async () => [
  parseSink(),
  await createFileSink(
    { path: `record-${fileNo++}.jsonl`, format: "jsonl", flush_every: 256, fsync_on_close: false },
    { projectRoot: dir, toolId: "bench" },
  ),
];

async function httpClient(
  url: string,
  sinks: () => SinkV1[] | Promise<SinkV1[]>,
  returnEvents = true,
  client = primitive,
): Promise<number> {
  const list = await sinks();
  const result = await client.run({
    config: { url, mode: "stream", stream: { max_buffer_size: 1_000_000, return: returnEvents } },
    params: {},
    sinks: list,
    context: { projectRoot: dir, toolId: "bench", chain: ["bench", "http_client"], meta: {} },
  });
  await Promise.all(list.map((s) => s.close()));
  if (!result.success) throw new Error(JSON.stringify(result.error));
  return result.stream_events_count as number;
}

const server = await startSseServer();
const url = `${server.origin}/stream`;
const summary: string[] = [];
try {
  for (const events of SIZES) {
    const bytes = buildAnthropicStream(events);
    server.setChunks(toChunks(bytes, 16 * 1024));
    const file = () => [createJsonlFileSink(join(dir, `events-${fileNo++}.jsonl`))];
    const variants: Variant[] = [
      { key: "a", name: "(a) raw fetch read-and-discard", fn: () => rawRead(url), expected: bytes.length },
      {
        key: "a'",
        name: "(a') raw node:http read-and-discard",
        fn: () => rawNodeRead(url),
        expected: bytes.length,
      },
      {
        key: "b",
        name: "(b) eventsource-parser + JSON.parse",
        fn: () => eventsourceParser(url),
        expected: events,
      },
      {
        key: "c",
        name: "(c) @anthropic-ai/sdk messages.stream",
        fn: () => sdkMessageStream(server.origin),
        expected: events,
      },
      {
        key: "c'",
        name: "(c') @anthropic-ai/sdk create({stream})",
        fn: () => sdkRawStream(server.origin),
        expected: events,
      },
      {
        key: "0",
        name: "(0) http_client: JSON.parse sink, no return",
        fn: () => httpClient(url, () => [parseSink()], false),
        expected: events,
      },
      { key: "1", name: "(1) http_client: return", fn: () => httpClient(url, () => []), expected: events },
      {
        key: "1f",
        name: "(1') http_client: return, injected fetch",
        fn: () => httpClient(url, () => [], true, viaFetch),
        expected: events,
      },
      {
        key: "2",
        name: "(2) http_client: return + null sink",
        fn: () => httpClient(url, () => [sink("null", () => {})]),
        expected: events,
      },
      {
        key: "3",
        name: "(3) http_client: return + JSONL file sink",
        fn: () => httpClient(url, file),
        expected: events,
      },
      {
        key: "4",
        name: "(4) thread path: parse sink + file_sink",
        fn: () => httpClient(url, threadPath, false),
        expected: events,
      },
    ];
    const time = await measure(variants, RUNS);
    // The thread path's stream record is complete: one JSONL line per event, in the last run's file.
    const record = readFileSync(join(dir, `record-${fileNo - 1}.jsonl`), "utf8");
    if (record.split("\n").length - 1 !== events) throw new Error("(4): the stream record is incomplete");
    summary.push(...printReport({ events, bytes: bytes.length, runs: RUNS, variants, time }));
    compareParsers(toChunks(bytes, 16 * 1024), events);
  }
  const callBytes = buildAnthropicStream(CALL_EVENTS);
  server.setChunks([callBytes]);
  summary.push(
    ...(await benchModelCall({ origin: server.origin, events: CALL_EVENTS, bytes: callBytes.length })),
  );
  console.log(`\n${summary.join("\n")}`);
  if (SIZES.length > 0 && parsed === undefined) throw new Error("unreachable");
  writeBenchRows();
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
