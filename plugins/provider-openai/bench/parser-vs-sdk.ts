/**
 * Benchmark: our stream parser against the official openai SDK on the same Chat Completions stream
 * (text deltas plus two tool calls with fragmented JSON, a usage chunk, [DONE]). The parser gets the
 * events http_client hands over ({event, data} strings); the SDK reads the same bytes from an injected
 * in-memory fetch, so it also pays for SSE decoding — which http_client does for us upstream.
 * Baselines: (a) the raw stream iterator `for await (chunk of create({stream: true}))`, target ≥ 4×;
 * (b) `chat.completions.stream().finalChatCompletion()`, which also accumulates the message.
 * Run: `pnpm --filter @kiwi/provider-openai bench`.
 */
import type { SinkEvent } from "@kiwi/spec";
import OpenAI from "openai";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { createOpenAIStreamParser } from "../src/openai-stream-parser";

const TARGET = 4;

const WORDS = ["Hello", " world", ", the", " quick", " brown", " fox", " jumps", " over", " a", " lazy dog."];

function buildEvents(total: number): SinkEvent[] {
  const events: SinkEvent[] = [];
  const base = {
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1764108000,
    model: "bench-model",
    system_fingerprint: "fp_bench",
  };
  const add = (choices: unknown[], usage: unknown = null) =>
    events.push({ event: "message", data: JSON.stringify({ ...base, choices, usage }) });
  const delta = (d: Record<string, unknown>, finish: string | null = null) => [
    { index: 0, delta: d, logprobs: null, finish_reason: finish },
  ];
  add(delta({ role: "assistant", content: "", refusal: null }));
  const body = total - 4;
  const text = Math.floor(body * 0.7);
  for (let i = 0; i < text; i++) add(delta({ content: `${WORDS[i % 10]} #${i}` }));
  const json = body - text;
  for (const index of [0, 1]) {
    add(
      delta({
        tool_calls: [
          { index, id: `call_${index}`, type: "function", function: { name: "write", arguments: "" } },
        ],
      }),
    );
    const n = (index === 0 ? Math.floor(json / 2) : json - Math.floor(json / 2)) - 1;
    for (let i = 0; i < n; i++) {
      const args = i === 0 ? '{"lines": [' : i === n - 1 ? `"line ${i}"]}` : `"line ${i}", `;
      add(delta({ tool_calls: [{ index, function: { arguments: args } }] }));
    }
  }
  add(delta({}, "tool_calls"));
  add([], {
    prompt_tokens: 25,
    completion_tokens: body,
    total_tokens: 25 + body,
    prompt_tokens_details: { cached_tokens: 0 },
  });
  events.push({ event: "message", data: "[DONE]" });
  return events;
}

function toSse(events: readonly SinkEvent[]): Uint8Array {
  return new TextEncoder().encode(events.map((e) => `data: ${e.data}\n\n`).join(""));
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

const request = { model: "bench-model", messages: [{ role: "user" as const, content: "hi" }] };

for (const total of [10_000, 100_000]) {
  const events = buildEvents(total);
  const client = new OpenAI({
    apiKey: "x",
    baseURL: "http://bench.invalid/v1",
    maxRetries: 0,
    fetch: memoryFetch(toSse(events)),
  });
  const ours = () => {
    const parser = createOpenAIStreamParser();
    for (const event of events) parser.push(event);
    if (!parser.state.clean_finish || parser.state.tool_calls[1]?.arguments === undefined)
      throw new Error("bad parse");
  };
  const iterator = async () => {
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let n = 0;
    for await (const _chunk of stream) n++;
    if (n !== events.length - 1) throw new Error(`SDK saw ${n} chunks`);
  };
  const final = async () => {
    const completion = await client.chat.completions.stream(request).finalChatCompletion();
    if (completion.choices[0]?.message.tool_calls?.length !== 2) throw new Error("bad SDK parse");
  };
  const runs = total >= 100_000 ? 7 : 21;
  for (const fn of [ours, iterator, final]) await median(3, fn);
  const a = await median(runs, ours);
  const b = await median(runs, iterator);
  const c = await median(runs, final);
  const perSecond = (ms: number) => Math.round(events.length / (ms / 1000));
  const rate = (ms: number) => `${perSecond(ms).toLocaleString("en")} ev/s`;
  const met = b / a >= TARGET;
  console.log(
    `${events.length} events: parser ${a.toFixed(1)} ms (${rate(a)}); SDK iterator ${b.toFixed(1)} ms (${rate(b)}) → ${(b / a).toFixed(2)}× (target ≥ ${TARGET}×: ${met ? "met" : "MISSED"}); SDK finalChatCompletion ${c.toFixed(1)} ms → ${(c / a).toFixed(2)}×`,
  );
  const benchmark = `stream → neutral state, ${events.length.toLocaleString("en")} events`;
  recordBenchRow({
    benchmark,
    value: perSecond(a),
    unit: "events/s",
    baseline: `openai chat.completions.create({stream}) iterator ${perSecond(b).toLocaleString("en")} events/s`,
    ratio: b / a,
    ratioKind: "faster",
    target: `≥ ${TARGET}×`,
    met,
  });
  recordBenchRow({
    benchmark,
    value: perSecond(a),
    unit: "events/s",
    baseline: `openai chat.completions.stream().finalChatCompletion() ${perSecond(c).toLocaleString("en")} events/s`,
    ratio: c / a,
    ratioKind: "faster",
  });
}
writeBenchRows();
