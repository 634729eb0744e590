// Harness benchmarks (`pnpm --filter @kiwi/kiwi-harness bench`, run with --expose-gc for the memory row):
// per-turn cost of a 10-turn managed thread (ThreadRuntime.spawn → done: step journal, transcript,
// registry, token mint and checks, kernel tool runs, the stream through http_client) and of the bare
// KiwiHarnessRunner loop (no journal, transcript or registry), each against a hand-written loop over the
// official Anthropic SDK on the same fake server in the same run; heap after GC over 1,000 turns.
import Anthropic from "@anthropic-ai/sdk";
import { createFakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import type { ThreadStore } from "@kiwi/threads";
import { PostgresThreadStore } from "@kiwi/threads-postgres";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { createTestDatabase } from "../../threads-postgres/src/test-support/test-database";
import { greet, threadWorld } from "../src/test-support/thread-world";
import { benchCompaction } from "./compaction";
import { benchTelemetry } from "./telemetry";
import { benchThreads, benchWorld, DIRECTIVE } from "./threads";

const TURNS = 10;
/**
 * The kernel's default library index TTL, as a runtime runs (threadWorld's default is the tests' 0, which
 * re-lists every space on every lookup: the bare runner rows measured that walk, not the loop).
 */
const BENCH_INDEX_TTL_MS = 1_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function script(): { turns: FakeTurn[] } {
  return { turns: [...Array.from({ length: TURNS - 1 }, (_, i) => greet(`P${i}`)), { text: "done" }] };
}

async function kiwiLoop(): Promise<number[]> {
  const w = await threadWorld({ script: script(), indexTtlMs: BENCH_INDEX_TTL_MS });
  const perTurn: number[] = [];
  try {
    for (let i = 0; i < RUNS + 3; i++) {
      w.fake.setScript(script());
      const t = performance.now();
      const r = await w.runner({ threadId: `bench_${i}` }).run({ message: "go" });
      if (r.turns !== TURNS) throw new Error(`expected ${TURNS} turns, got ${r.turns} (${r.reason})`);
      if (i >= 3) perTurn.push((performance.now() - t) / TURNS);
    }
  } finally {
    await w.close();
  }
  return perTurn;
}

/** The same loop as a managed thread: spawn → done through ThreadRuntime, per turn (on `store` when given). */
async function managedLoop(store?: () => Promise<ThreadStore>): Promise<number[]> {
  const w = await benchWorld({ script: script() }, store ? { runtime: { store: await store() } } : {});
  const perTurn: number[] = [];
  try {
    for (let i = 0; i < RUNS + 3; i++) {
      w.fake!.setScript(script());
      const t = performance.now();
      const spawned = await w.runtime.spawn({ directive: DIRECTIVE, message: "go" });
      const r = await spawned.done();
      if (r.turns !== TURNS) throw new Error(`expected ${TURNS} turns, got ${r.turns} (${r.reason})`);
      if (i >= 3) perTurn.push((performance.now() - t) / TURNS);
    }
  } finally {
    await w.close();
  }
  return perTurn;
}

async function sdkLoop(): Promise<number[]> {
  const fake = await createFakeLlmServer({ script: script() });
  const client = new Anthropic({ apiKey: "k", baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
  const perTurn: number[] = [];
  try {
    for (let i = 0; i < RUNS + 3; i++) {
      fake.setScript(script());
      const t = performance.now();
      const messages: Anthropic.MessageParam[] = [{ role: "user", content: "go" }];
      for (let turn = 0; turn < TURNS; turn++) {
        const msg = await client.messages
          .stream({
            model: "m",
            max_tokens: 1024,
            messages,
            tools: [{ name: "execute", description: "d", input_schema: { type: "object" } }],
          })
          .finalMessage();
        messages.push({ role: "assistant", content: msg.content });
        const uses = msg.content.filter((b) => b.type === "tool_use");
        if (uses.length === 0) break;
        // The hand-written loop's "tool": format a greeting, as the kernel's greet chain does.
        messages.push({
          role: "user",
          content: uses.map((u) => ({
            type: "tool_result" as const,
            tool_use_id: u.id,
            content: JSON.stringify({ greeting: `Hello, ${JSON.stringify(u.input)}!` }),
          })),
        });
      }
      if (i >= 3) perTurn.push((performance.now() - t) / TURNS);
    }
  } finally {
    await fake.close();
  }
  return perTurn;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Heap after GC at 100, 500 and 1,000 turns, in MiB; undefined without --expose-gc. */
async function memory(): Promise<number[] | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const w = await threadWorld({ script: script(), indexTtlMs: BENCH_INDEX_TTL_MS });
  const samples: number[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      w.fake.setScript(script());
      await w.runner({ threadId: `mem_${i}` }).run({ message: "go" });
      w.events.length = 0;
      w.fake.requests.length = 0;
      if (i === 9 || i === 49 || i === 99) {
        gc();
        samples.push(process.memoryUsage().heapUsed / 1024 / 1024);
      }
    }
  } finally {
    await w.close();
  }
  return samples;
}

// The same managed loop on PostgreSQL (issue 12), when the machine's PostgreSQL is reachable.
const pgDatabase = await createTestDatabase("bench_harness");
const pgStore = pgDatabase ? () => PostgresThreadStore.open({ url: pgDatabase.url }) : undefined;
// Interleaved, so drift on a shared machine hits all of them alike.
const managedRuns: number[] = [];
const pgRuns: number[] = [];
const runnerRuns: number[] = [];
const sdkRuns: number[] = [];
for (let round = 0; round < 3; round++) {
  managedRuns.push(median(await managedLoop()));
  if (pgStore) pgRuns.push(median(await managedLoop(pgStore)));
  runnerRuns.push(median(await kiwiLoop()));
  sdkRuns.push(median(await sdkLoop()));
}
await pgDatabase?.drop();
const managed = median(managedRuns);
const kiwi = median(runnerRuns);
const sdk = median(sdkRuns);
console.log(
  `\nKiwi harness, ${TURNS}-turn loop on the fake Anthropic stream (node ${process.version}, median of 3 × ${RUNS} runs)\n`,
);
console.log(
  `  managed thread (spawn → done: journal, transcript, registry, token, kernel tool runs)  ${managed.toFixed(2)} ms/turn`,
);
console.log(
  `  KiwiHarnessRunner alone (token, guard, kernel tool run, http_client stream)          ${kiwi.toFixed(2)} ms/turn`,
);
console.log(
  `  hand-written loop over @anthropic-ai/sdk messages.stream()                           ${sdk.toFixed(2)} ms/turn`,
);
console.log(
  `  ratio managed/sdk ${(managed / sdk).toFixed(2)}× (target ≤ 1.0×: ${managed <= sdk ? "met" : "NOT met"}); runner/sdk ${(kiwi / sdk).toFixed(2)}×`,
);
const sdkBaseline = `hand-written @anthropic-ai/sdk messages.stream() loop ${sdk.toFixed(2)} ms/turn`;
recordBenchRow({
  benchmark: `managed thread (journal, transcript, registry, tokens), ${TURNS}-turn loop on the fake stream`,
  value: managed,
  unit: "ms/turn",
  baseline: sdkBaseline,
  ratio: managed / sdk,
  ratioKind: "time",
  target: "≤ 1.0×",
  met: managed <= sdk,
});
if (pgRuns.length) {
  const pg = median(pgRuns);
  console.log(
    `  managed thread on PostgresThreadStore (the same, store on 127.0.0.1 PostgreSQL)      ${pg.toFixed(2)} ms/turn (${(pg / managed).toFixed(2)}× the SQLite registry)`,
  );
  recordBenchRow({
    benchmark: `managed thread on PostgresThreadStore, ${TURNS}-turn loop on the fake stream`,
    value: pg,
    unit: "ms/turn",
    baseline: `the same on the embedded SQLite registry ${managed.toFixed(2)} ms/turn`,
    ratio: pg / managed,
    ratioKind: "time",
  });
} else console.log("  managed thread on PostgresThreadStore: skipped (PostgreSQL not reachable)");
recordBenchRow({
  benchmark: `KiwiHarnessRunner alone, ${TURNS}-turn loop on the fake stream`,
  value: kiwi,
  unit: "ms/turn",
  baseline: sdkBaseline,
  ratio: kiwi / sdk,
  ratioKind: "time",
});
const compaction = await benchCompaction(RUNS);
console.log(
  `  compaction armed, never firing (checked before every call)                          ${compaction.armed.toFixed(2)} ms/turn (off: ${compaction.off.toFixed(2)}; ${(compaction.armed / compaction.off).toFixed(2)}×)`,
);
recordBenchRow({
  benchmark: `KiwiHarnessRunner with context compaction armed (never firing), ${TURNS}-turn loop`,
  value: compaction.armed,
  unit: "ms/turn",
  baseline: `compaction off ${compaction.off.toFixed(2)} ms/turn`,
  ratio: compaction.armed / compaction.off,
  ratioKind: "time",
});
const heap = await memory();
if (heap) {
  console.log(
    `  heap after GC at 100 / 500 / 1,000 turns: ${heap.map((s) => `${s.toFixed(1)} MiB`).join(" / ")}`,
  );
  const [at100 = Number.NaN, ...later] = heap;
  for (const [i, mib] of later.entries())
    recordBenchRow({
      benchmark: `heap after GC at ${["500", "1,000"][i]} turns`,
      value: mib,
      unit: "MiB",
      baseline: `at 100 turns ${at100.toFixed(1)} MiB`,
      ratio: mib / at100,
      ratioKind: "value",
    });
} else {
  console.log("  heap after GC: skipped (run with node --expose-gc)");
  recordBenchRow({ benchmark: "heap after GC (skipped: run with --expose-gc)", value: Number.NaN, unit: "" });
}

const otel = await benchTelemetry(RUNS);
console.log(
  `\nOpenTelemetry spans, KiwiHarnessRunner ${TURNS}-turn loop (baseline: telemetry: false, no spans made)\n`,
);
console.log(`  no spans (telemetry: false)                                   ${otel.off.toFixed(2)} ms/turn`);
console.log(
  `  no tracer provider registered (API no-ops)                    ${otel.noProvider.toFixed(2)} ms/turn  ${(otel.noProvider / otel.off).toFixed(3)}×`,
);
console.log(
  `  SDK + in-memory exporter (${otel.spansPerRun} spans per run)                   ${otel.inMemory.toFixed(2)} ms/turn  ${(otel.inMemory / otel.off).toFixed(3)}×`,
);
const otelBaseline = `same loop without spans (telemetry: false) ${otel.off.toFixed(2)} ms/turn`;
recordBenchRow({
  benchmark: `span overhead per turn, no tracer provider registered (${TURNS}-turn runner loop)`,
  value: otel.noProvider,
  unit: "ms/turn",
  baseline: otelBaseline,
  ratio: otel.noProvider / otel.off,
  ratioKind: "time",
  target: "≤ 1.05×",
  met: otel.noProvider / otel.off <= 1.05,
});
recordBenchRow({
  benchmark: `span overhead per turn, SDK + in-memory exporter (${TURNS}-turn runner loop)`,
  value: otel.inMemory,
  unit: "ms/turn",
  baseline: otelBaseline,
  ratio: otel.inMemory / otel.off,
  ratioKind: "time",
});

console.log(`\nThread runtime (spawn latency, registry event rate, idle-thread memory)\n`);
for (const row of await benchThreads()) {
  const value = Number.isNaN(row.value) ? "—" : row.value < 10 ? row.value.toFixed(2) : row.value.toFixed(0);
  console.log(`  ${row.name.padEnd(72)} ${`${value} ${row.unit}`.padStart(16)}`);
  if (row.note) console.log(`      ${row.note}`);
}
writeBenchRows();
