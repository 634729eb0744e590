/**
 * Benchmark: our stream parser against the official SDK's `messages.stream().finalMessage()` on the same
 * recorded-shape stream (text deltas plus two tool calls with fragmented JSON). The parser gets the
 * events http_client hands over ({event, data} strings); the SDK reads the same bytes from an injected
 * in-memory fetch, so it also pays for SSE decoding — which http_client does for us upstream.
 * Target: ≥ 1.5× the SDK's events/s. Run: `pnpm --filter @kiwi/provider-anthropic bench`.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { SinkEvent } from "@kiwi/spec";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { createAnthropicStreamParser } from "../src/anthropic-stream-parser";

const TARGET = 1.5;

const WORDS = ["Hello", " world", ", the", " quick", " brown", " fox", " jumps", " over", " a", " lazy dog."];

function buildEvents(total: number): SinkEvent[] {
  const events: SinkEvent[] = [];
  const add = (data: Record<string, unknown>) =>
    events.push({ event: data.type as string, data: JSON.stringify(data) });
  add({
    type: "message_start",
    message: {
      id: "msg_bench",
      type: "message",
      role: "assistant",
      model: "bench-model",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 25,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  add({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  add({ type: "ping" });
  const body = total - 10;
  const text = Math.floor(body * 0.7);
  for (let i = 0; i < text; i++) {
    add({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: `${WORDS[i % 10]} #${i}` },
    });
  }
  add({ type: "content_block_stop", index: 0 });
  const json = body - text;
  for (const index of [1, 2]) {
    add({
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: `toolu_${index}`, name: "write", input: {} },
    });
    const n = index === 1 ? Math.floor(json / 2) : json - Math.floor(json / 2);
    for (let i = 0; i < n; i++) {
      const partial = i === 0 ? '{"lines": [' : i === n - 1 ? `"line ${i}"]}` : `"line ${i}", `;
      add({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: partial } });
    }
    add({ type: "content_block_stop", index });
  }
  add({
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { output_tokens: body },
  });
  add({ type: "message_stop" });
  return events;
}

function toSse(events: readonly SinkEvent[]): Uint8Array {
  return new TextEncoder().encode(events.map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`).join(""));
}

function memoryFetch(bytes: Uint8Array, chunk = 16 * 1024): typeof fetch {
  return async () => {
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + chunk));
        offset += chunk;
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  };
}

async function median(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

for (const total of [10_000, 100_000]) {
  const events = buildEvents(total);
  const bytes = toSse(events);
  const client = new Anthropic({
    apiKey: "x",
    baseURL: "http://bench.invalid",
    maxRetries: 0,
    fetch: memoryFetch(bytes),
  });
  const ours = () => {
    const parser = createAnthropicStreamParser();
    for (const event of events) parser.push(event);
    if (!parser.state.clean_finish || parser.state.tool_calls[1]?.arguments === undefined)
      throw new Error("bad parse");
  };
  const sdk = async () => {
    const message = await client.messages
      .stream({ model: "bench-model", max_tokens: 1024, messages: [{ role: "user", content: "hi" }] })
      .finalMessage();
    const last = message.content.at(-1);
    if (last?.type !== "tool_use" || last.input === undefined) throw new Error("bad SDK parse");
  };
  const runs = total >= 100_000 ? 7 : 21;
  await median(3, ours);
  await median(3, sdk);
  const a = await median(runs, ours);
  const b = await median(runs, sdk);
  const perSecond = (ms: number) => Math.round(events.length / (ms / 1000));
  const rate = (ms: number) => `${perSecond(ms).toLocaleString("en")} events/s`;
  const met = b / a >= TARGET;
  console.log(
    `${events.length} events: parser ${a.toFixed(1)} ms (${rate(a)}), SDK finalMessage ${b.toFixed(1)} ms (${rate(b)}) → ${(b / a).toFixed(2)}× the SDK (target ≥ ${TARGET}×: ${met ? "met" : "MISSED"})`,
  );
  recordBenchRow({
    benchmark: `stream → neutral state, ${events.length.toLocaleString("en")} events`,
    value: perSecond(a),
    unit: "events/s",
    baseline: `@anthropic-ai/sdk messages.stream().finalMessage() ${rate(b)}`,
    ratio: b / a,
    ratioKind: "faster",
    target: `≥ ${TARGET}×`,
    met,
  });
}
writeBenchRows();
