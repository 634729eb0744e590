// One model call of a managed thread through the kernel, against the same call made on the http_client
// primitive directly, over the same loopback Anthropic-shaped stream (`pnpm bench:model-call` in
// packages/kernel; ROUNDS=9 CALLS=200 MESSAGES=60 to override). Through the kernel it is what the thread
// runtime runs: execute(tool, run, anthropic_thread) with the runtime's model-call token (real capability
// guard), the harness's parsing sink, the chain anthropic_thread → anthropic_messages → http_client from
// the provider plugin's signed items, parameter validation, config rendering, the file_sink stream record
// at .ai/threads/<id>/stream.jsonl and the redacting sink. Directly: the very config the kernel rendered
// (captured once) and the same parsing sink, nothing else. Rounds alternate A/B; medians of wall and CPU
// time and the load average are printed. Modes (see the README): NO_NETWORK=1, SPACED=<n>,
// DIRECT_VARIANT=file|file+redact, PROFILE_KERNEL=<calls> (with PROFILE_DIRECT=1: direct calls only).

import { mkdtemp, realpath, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { mintToken } from "@kiwi/capabilities";
import { createHttpClientPrimitive } from "@kiwi/primitives";
import { createRedactingSink, createRedactor, createSinkFanOut, secretsFromEnv } from "@kiwi/sinks";
import { createFileSink } from "@kiwi/sinks/node";
import type { PrimitiveV1, SinkEvent, SinkV1 } from "@kiwi/spec";
import { createKernel } from "../src/create-kernel";

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const CALLS = Number(process.env.CALLS ?? 200);
const MESSAGES = Number(process.env.MESSAGES ?? 60);
const THREAD = "bench_thread_1";

/** A short streamed reply: what the fake LLM answers every call with. */
function anthropicStream(): string {
  const ev = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const parts = [
    ev("message_start", {
      type: "message_start",
      message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], usage: {} },
    }),
    ev("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    }),
  ];
  for (let i = 0; i < 20; i++)
    parts.push(
      ev("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: `word ${i} ` },
      }),
    );
  parts.push(
    ev("content_block_stop", { type: "content_block_stop", index: 0 }),
    ev("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn" },
      usage: { output_tokens: 20 },
    }),
    ev("message_stop", { type: "message_stop" }),
  );
  return parts.join("");
}

async function fakeLlm() {
  const body = anthropicStream();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A conversation as a thread accumulates it: user/assistant turns with tool use and results. */
function conversation(n: number) {
  const messages: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0)
      messages.push({
        role: "user",
        content: [
          i === 0
            ? { type: "text", text: `Please refactor the module. ${"Context line. ".repeat(40)}` }
            : {
                type: "tool_result",
                tool_use_id: `toolu_${i - 1}`,
                content: `file contents ${i}\n${"const x = 1;\n".repeat(60)}`,
              },
        ],
      });
    else
      messages.push({
        role: "assistant",
        content: [
          { type: "text", text: `Reading the next file (${i}). ${"Reasoning. ".repeat(20)}` },
          { type: "tool_use", id: `toolu_${i}`, name: "read_file", input: { path: `src/f${i}.ts` } },
        ],
      });
  }
  return messages;
}

const tools = Array.from({ length: 12 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Does thing ${i}. ${"Details. ".repeat(10)}`,
  input_schema: {
    type: "object",
    properties: { path: { type: "string", description: "A path" }, n: { type: "integer" } },
    required: ["path"],
  },
}));

const parsingSink = (): SinkV1 => ({
  specificationVersion: "sink-v1",
  id: "parse",
  write(e: SinkEvent) {
    JSON.parse(e.data);
  },
  close: async () => {},
});

/** http_client without the network: the body encoded as http_client does, the reply's events to the sinks. */
function offlineHttp(): PrimitiveV1 {
  const events = anthropicStream()
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const [e, d] = block.split("\n");
      return { event: e!.slice("event: ".length), data: d!.slice("data: ".length) };
    });
  return {
    specificationVersion: "primitive-v1",
    id: "http_client",
    async run({ config, sinks = [] }) {
      JSON.stringify(config.body);
      const fan = createSinkFanOut(sinks);
      for (const event of events) await fan.write(event);
      await fan.flush();
      return { success: true, sink_errors: fan.failures };
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main() {
  const llm = await fakeLlm();
  const projectRoot = await realpath(await mkdtemp(join(tmpdir(), "kiwi-bench-model-")));
  const env = { ANTHROPIC_BASE_URL: llm.url, ANTHROPIC_API_KEY: "sk-ant-bench-0123456789" };
  // The kernel's http_client, wrapped only to keep the first request it is handed: the direct call
  // below sends exactly that rendered config (headers, body, stream and retry settings).
  // NO_NETWORK=1: http_client is replaced by a primitive that encodes the body and hands the same events
  // to the sinks without any socket, which isolates the kernel's own cost from the network's noise.
  const http = process.env.NO_NETWORK ? offlineHttp() : createHttpClientPrimitive();
  let config: Record<string, unknown> | undefined;
  const recording: PrimitiveV1 = {
    ...http,
    run: (call) => {
      config ??= call.config;
      return http.run(call);
    },
  };
  const kernel = await createKernel({
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env,
    primitives: [recording],
    pluginPackages: [resolve(import.meta.dirname, "../../../plugins/provider-anthropic")],
  });
  const { token } = await mintToken({
    key: await kernel.signingKey(),
    threadId: THREAD,
    directiveId: "bench",
    grants: [
      { cap: "tool.execute", scope: "anthropic_thread" },
      { cap: "kiwi.execute" },
      { cap: "net.http" },
      { cap: "fs.write", scope: `.ai/threads/${THREAD}/**` },
      { cap: "registry.write" },
    ],
  });
  const parameters = {
    model: "claude-bench",
    system: `You are a careful engineer. ${"Rule. ".repeat(100)}`,
    messages: conversation(MESSAGES),
    tools,
    max_tokens: 4096,
    thread_id: THREAD,
  };
  const bytes = JSON.stringify(parameters).length;
  const viaKernel = async () => {
    const r = await kernel.execute(
      { item_type: "tool", action: "run", item_id: "anthropic_thread", parameters },
      { meta: { __auth: token }, sinks: [parsingSink()] },
    );
    if (!r.success) throw new Error(`${r.error.code}: ${r.error.message}`);
  };
  await viaKernel();
  const variant = process.env.DIRECT_VARIANT ?? "";
  const direct = async () => {
    const extra: SinkV1[] = [];
    if (variant.includes("file"))
      extra.push(
        await createFileSink(
          {
            path: `.ai/threads/${THREAD}/stream.jsonl`,
            format: "jsonl",
            flush_every: 256,
            fsync_on_close: false,
          },
          { projectRoot, toolId: "x" },
        ),
      );
    if (variant.includes("redact"))
      extra[0] = createRedactingSink(extra[0]!, createRedactor(secretsFromEnv(env)));
    const r = await http.run({
      config: config!,
      carriesSecret: true,
      params: {},
      sinks: [parsingSink(), ...extra],
      context: {
        projectRoot,
        toolId: "anthropic_messages",
        chain: ["anthropic_messages", "http_client"],
        meta: {},
      },
    });
    for (const x of extra) await x.close();
    if (!r.success) throw new Error(JSON.stringify(r.error));
  };
  // CPU time (user + system, this process: the fake server's share is the same on both sides) is far
  // less sensitive to the machine's load than wall time, so both are reported.
  const cpu: { kernel: number[]; direct: number[] } = { kernel: [], direct: [] };
  const timed = async (f: () => Promise<void>, calls = CALLS) => {
    const c = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < calls; i++) await f();
    const wall = ((performance.now() - t) * 1000) / calls;
    const used = process.cpuUsage(c);
    cpu[f === viaKernel ? "kernel" : "direct"].push((used.user + used.system) / calls);
    return wall;
  };
  if (process.env.SPACED) {
    // Calls spaced as a thread's are (over a second apart: the library index is past its TTL each time).
    const spaced = { kernel: [] as number[], direct: [] as number[] };
    for (let i = 0; i < Number(process.env.SPACED); i++) {
      for (const [name, f] of [
        ["kernel", viaKernel],
        ["direct", direct],
      ] as const) {
        await new Promise((r) => setTimeout(r, 1100));
        const t = performance.now();
        await f();
        spaced[name].push((performance.now() - t) * 1000);
      }
    }
    console.log(
      `spaced calls (median of ${spaced.kernel.length}): kernel ${median(spaced.kernel).toFixed(0)} µs, direct ${median(spaced.direct).toFixed(0)} µs`,
    );
    await llm.close();
    await rm(projectRoot, { recursive: true, force: true });
    return;
  }
  if (process.env.PROFILE_KERNEL) {
    // Only kernel calls, for `node --import tsx --cpu-prof bench/model-call.ts`: PROFILE_KERNEL=<calls>.
    const n = Number(process.env.PROFILE_KERNEL);
    const f = process.env.PROFILE_DIRECT ? direct : viaKernel;
    for (let i = 0; i < 100; i++) await f();
    const wall = await timed(f, n);
    const used = (f === viaKernel ? cpu.kernel : cpu.direct)[0]!;
    console.log(
      `${n} ${f === viaKernel ? "kernel" : "direct"} calls: ${wall.toFixed(0)} µs/call wall, ${used.toFixed(0)} µs/call CPU`,
    );
    await llm.close();
    await rm(projectRoot, { recursive: true, force: true });
    return;
  }
  for (let i = 0; i < 50; i++) {
    await viaKernel();
    await direct();
  }
  const a: number[] = [];
  const b: number[] = [];
  const load0 = loadavg()[0]!;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so drift in the machine's load falls on both alike.
    if (round % 2 === 0) {
      a.push(await timed(viaKernel));
      b.push(await timed(direct));
    } else {
      b.push(await timed(direct));
      a.push(await timed(viaKernel));
    }
  }
  const k = median(a);
  const d = median(b);
  console.log(
    `model call (${MESSAGES} messages, ${(bytes / 1024).toFixed(0)} KiB of parameters), median of ${ROUNDS} A/B rounds × ${CALLS} calls:`,
  );
  console.log(`  through the kernel (anthropic_thread)  ${k.toFixed(0).padStart(6)} µs/call`);
  console.log(`  http_client directly                    ${d.toFixed(0).padStart(6)} µs/call`);
  const ratios = a.map((x, i) => x / b[i]!);
  const overheads = a.map((x, i) => x - b[i]!);
  console.log(
    `  kernel overhead ${median(overheads).toFixed(0)} µs/call (median of per-round differences), ratio ${median(ratios).toFixed(2)}× (median of per-round ratios; ${(k / d).toFixed(2)}× of the medians)`,
  );
  const ck = median(cpu.kernel);
  const cd = median(cpu.direct);
  console.log(
    `  CPU time: kernel ${ck.toFixed(0)} µs/call, direct ${cd.toFixed(0)} µs/call, overhead ${(ck - cd).toFixed(0)} µs/call, ratio ${(ck / cd).toFixed(2)}×`,
  );
  console.log(`  load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
  await llm.close();
  await rm(projectRoot, { recursive: true, force: true });
}

await main();
