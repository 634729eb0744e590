// `pnpm bench` for @kiwi/threads-postgres (issue 12): the PostgreSQL thread store and `kiwi worker`
// against the embedded SQLite store, in the same run, on the machine's PostgreSQL (127.0.0.1:5432, or
// KIWI_TEST_POSTGRES_URL). Every figure is printed and recorded as a row (scripts/bench-rows.ts):
//
// 1. step overhead: one journal step (intent committed before the step, outcome after, both fenced by the
//    lease token) on PostgresThreadStore vs the SQLite ThreadRegistry;
// 2. threads/s end to end: BENCH_PG_THREADS (default 50) threads of one directive (a greet tool call,
//    then an answer) on the fake LLM, all spawned at once in one thread runtime, on PostgreSQL vs SQLite;
// 3. takeover after SIGKILL: real `kiwi worker` processes (the CLI's bin, lease BENCH_PG_LEASE_S, default
//    2 s); the worker holding a running thread is SIGKILLed; the time from the kill to the thread's
//    `resumed` event written by another worker, against the documented bound lease + min(lease/3, 5 s) + 1 s;
// 4. BENCH_PG_QUEUED (default 1,000) queued threads over 3 workers (default concurrency 4 each) on the fake
//    LLM: throughput from the first enqueue to the last thread's end, and the PostgreSQL connections the
//    workers hold (pg_stat_activity of the bench's database, sampled every 100 ms; the max).
//
// Without PostgreSQL it records one "skipped" row and exits 0 (with CI=true it fails, as the suites do).
// Every process it starts is killed and its database dropped at the end, also when a measurement fails.
//
//   node scripts/bench.mjs --only threads-postgres      (or: cd packages/threads-postgres && pnpm bench)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { type Fence, isTerminal, ThreadRegistry, type ThreadStore } from "@kiwi/threads";
import pg from "pg";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import {
  createDirective,
  createThreadProject,
  threadDirective,
} from "../../cli/src/thread-display/test-support";
import { DIRECTIVE_BODY } from "../../cli/src/worker/directive-body";
import { benchWorld, DIRECTIVE } from "../../kiwi-harness/bench/threads";
import { greet } from "../../kiwi-harness/src/test-support/thread-world";
import { DbosThreadEngine } from "../src/engine";
import { PostgresThreadStore } from "../src/index";
import { createTestDatabase, type TestDatabase } from "../src/test-support/test-database";

const STEPS = Number(process.env.BENCH_PG_STEPS ?? 300);
const THREADS = Number(process.env.BENCH_PG_THREADS ?? 50);
const QUEUED = Number(process.env.BENCH_PG_QUEUED ?? 1000);
const TAKEOVERS = Number(process.env.BENCH_PG_TAKEOVERS ?? 3);
const LEASE_S = Number(process.env.BENCH_PG_LEASE_S ?? 2);
const WORKERS = 3;
const WORKER_CONCURRENCY = 4;
const CLI_ROOT = fileURLToPath(new URL("../../cli/", import.meta.url));
const BIN = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url));
const WORKER_DIRECTIVE = "bench_worker";

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, what: string, ms = 120_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ── 1. step overhead ──────────────────────────────────────────────────────────────────────────────

/** ms per journal step (intent + outcome, fenced) on `store`, for a thread of its own. */
async function stepsOn(store: ThreadStore, label: string): Promise<number> {
  const threadId = `bench_steps_${label}_${Math.random().toString(36).slice(2, 8)}`;
  await store.register({ threadId, directive: "bench_steps" });
  const lease = await store.acquireLease(threadId, { owner: "bench", ttlMs: 600_000 });
  const fence: Fence = { token: lease.token };
  const request = JSON.stringify({ tool: "greet", parameters: { who: "Ada" } });
  const outcome = JSON.stringify({ ok: true, value: { greeting: "Hello, Ada!" } });
  const t = performance.now();
  for (let seq = 1; seq <= STEPS; seq++) {
    await store.beginStep(threadId, { seq, format: 1, kind: "tool", request, requestHash: `h${seq}` }, fence);
    await store.endStep(threadId, seq, outcome, fence);
  }
  return (performance.now() - t) / STEPS;
}

async function stepOverhead(db: TestDatabase): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "kiwi-bench-pg-steps-"));
  const sqlite = ThreadRegistry.open(join(dir, "registry.db"));
  const postgres = await PostgresThreadStore.open({ url: db.url });
  const sq: number[] = [];
  const pgs: number[] = [];
  try {
    await stepsOn(sqlite, "warm");
    await stepsOn(postgres, "warm");
    for (let round = 0; round < 3; round++) {
      sq.push(await stepsOn(sqlite, `sqlite${round}`));
      pgs.push(await stepsOn(postgres, `pg${round}`));
    }
  } finally {
    sqlite.close();
    await postgres.close();
    await rm(dir, { recursive: true, force: true });
  }
  const s = median(sq);
  const p = median(pgs);
  console.log(
    `  journal step (intent + outcome, fenced), ${STEPS} steps × 3: PostgreSQL ${p.toFixed(3)} ms/step, SQLite ${s.toFixed(3)} ms/step (${(p / s).toFixed(1)}×)`,
  );
  recordBenchRow({
    benchmark: "journal step on PostgresThreadStore (intent + outcome, fenced)",
    value: p,
    unit: "ms/step",
    baseline: `the same on the SQLite ThreadRegistry ${s.toFixed(3)} ms/step`,
    ratio: p / s,
    ratioKind: "time",
  });
}

// ── 2. threads/s in one runtime ───────────────────────────────────────────────────────────────────

/** Threads per second: THREADS threads spawned at once, each a greet call and an answer. */
async function threadsPerSecond(store?: () => Promise<ThreadStore>): Promise<number> {
  const marker = (n: number) => `[bench thread ${n}]`;
  const w = await benchWorld(
    {
      script: {
        turns: [],
        routes: Array.from({ length: THREADS }, (_, n) => ({
          match: marker(n),
          turns: [greet(`t${n}`), { text: `done ${n}` }],
        })),
      },
    },
    store ? { runtime: { store: await store() } } : {},
  );
  try {
    const t = performance.now();
    const spawned = await Promise.all(
      Array.from({ length: THREADS }, (_, n) =>
        w.runtime.spawn({ directive: DIRECTIVE, message: marker(n) }),
      ),
    );
    const rows = await Promise.all(
      spawned.map((s) => w.runtime.manager.wait(s.thread_id, { timeoutMs: 300_000 })),
    );
    const seconds = (performance.now() - t) / 1000;
    const bad = rows.filter((r) => r.status !== "completed" || r.reason !== "end_turn");
    if (bad.length) throw new Error(`${bad.length} threads ended ${bad[0]!.status}/${bad[0]!.reason}`);
    return THREADS / seconds;
  } finally {
    await w.close();
  }
}

/** The in-process PostgreSQL figure of endToEnd: the queued bench's baseline. */
let inProcessPg = Number.NaN;

async function endToEnd(db: TestDatabase): Promise<void> {
  const sq: number[] = [];
  const pgs: number[] = [];
  const stores: PostgresThreadStore[] = [];
  const open = async () => {
    const s = await PostgresThreadStore.open({ url: db.url });
    stores.push(s);
    return s;
  };
  try {
    for (let round = 0; round < 3; round++) {
      sq.push(await threadsPerSecond());
      pgs.push(await threadsPerSecond(open));
    }
  } finally {
    for (const s of stores) await s.close();
  }
  const s = median(sq);
  const p = median(pgs);
  inProcessPg = p;
  console.log(
    `  ${THREADS} threads at once (greet + answer, fake LLM), one runtime, median of 3: PostgreSQL ${p.toFixed(1)} threads/s, SQLite ${s.toFixed(1)} threads/s (${(s / p).toFixed(1)}× slower on PostgreSQL)`,
  );
  recordBenchRow({
    benchmark: `threads end to end on PostgresThreadStore, ${THREADS} at once in one runtime (greet + answer, fake LLM)`,
    value: p,
    unit: "threads/s",
    baseline: `the same on the embedded SQLite registry ${s.toFixed(1)} threads/s`,
    ratio: p / s,
    ratioKind: "faster",
  });
}

// ── worker processes ──────────────────────────────────────────────────────────────────────────────

interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
  err(): string;
  readonly exit: Promise<unknown>;
}

class Processes {
  readonly all: Worker[] = [];
  constructor(
    readonly db: TestDatabase,
    readonly project: { project: string; userSpace: string },
    readonly fake: FakeLlmServer,
  ) {}

  worker(name: string): Worker {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        BIN,
        "worker",
        "--store",
        this.db.url,
        "--name",
        name,
        "--project",
        this.project.project,
        "--concurrency",
        String(WORKER_CONCURRENCY),
        "--lease",
        String(LEASE_S),
      ],
      {
        cwd: CLI_ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: this.project.userSpace,
          KIWI_USER_SPACE: this.project.userSpace,
          ANTHROPIC_API_KEY: "test",
          ANTHROPIC_BASE_URL: this.fake.anthropicBaseUrl,
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    child.stderr!.setEncoding("utf8").on("data", (c: string) => {
      err += c;
      if (err.length > 2_000_000) err = err.slice(-1_000_000);
    });
    const exit = new Promise((resolve) => child.once("exit", resolve));
    const w = { name, child, err: () => err, exit };
    this.all.push(w);
    return w;
  }

  async ready(w: Worker): Promise<void> {
    await until(
      () => (w.child.exitCode !== null ? "exited" : w.err()),
      (e) => e === "exited" || e.includes(" ready on "),
      `worker ${w.name} to be ready`,
    );
    if (w.child.exitCode !== null) throw new Error(`worker ${w.name} exited: ${w.err().slice(-2000)}`);
  }

  async kill(w: Worker): Promise<void> {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill("SIGCONT");
      w.child.kill("SIGKILL");
      await w.exit;
    }
  }

  async killAll(): Promise<void> {
    for (const w of this.all) await this.kill(w);
  }
}

/** Queues one thread of the worker directive, as `kiwi thread run … --store --detach` does. */
async function enqueue(store: ThreadStore, url: string, message: string): Promise<string> {
  const threadId = `${WORKER_DIRECTIVE}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await DbosThreadEngine.enqueueThread(store, {
    url,
    threadId,
    directive: WORKER_DIRECTIVE,
    body: DIRECTIVE_BODY,
    input: { directive: WORKER_DIRECTIVE, message },
    permissionContext: { spawned_by: "threads-postgres bench" },
  });
  return threadId;
}

// ── 3. takeover after SIGKILL ─────────────────────────────────────────────────────────────────────

async function takeover(p: Processes, store: PostgresThreadStore): Promise<void> {
  const boundMs = (LEASE_S + Math.min(LEASE_S / 3, 5) + 1) * 1000;
  const live: Worker[] = [];
  const times: number[] = [];
  let started = 0;
  for (let trial = 1; trial <= TAKEOVERS; trial++) {
    while (live.length < 2) {
      const w = p.worker(`t${++started}`);
      await p.ready(w);
      live.push(w);
    }
    const id = await enqueue(store, p.db.url, `[long ${trial}]`);
    // Running on some worker, a few turns in (its lease renewed at least once).
    const lease = await until(
      async () => ({
        row: await store.get(id),
        lease: await store.lease(id),
        steps: (await store.steps(id)).length,
      }),
      (v) => v.row?.status === "running" && v.lease !== undefined && v.steps >= 4,
      `thread ${id} to run`,
    );
    const holder = live.find((w) => w.name === lease.lease!.owner);
    if (!holder) throw new Error(`thread ${id} held by ${lease.lease!.owner}, not a bench worker`);
    const t = performance.now();
    holder.child.kill("SIGKILL");
    await holder.exit;
    live.splice(live.indexOf(holder), 1);
    await until(
      () => store.getEvents(id),
      (es) => es.some((e) => e.type === "resumed"),
      `thread ${id} to be taken over`,
      60_000,
    );
    const ms = performance.now() - t;
    times.push(ms);
    const taker = (await store.lease(id))?.owner;
    console.log(
      `  takeover ${trial}: ${id} killed on ${holder.name}, resumed on ${taker} after ${ms.toFixed(0)} ms`,
    );
    await store.requestControl(id, "kill", {});
    await until(
      () => store.get(id),
      (r) => r !== undefined && isTerminal(r.status),
      `thread ${id} to be killed`,
    );
  }
  for (const w of live) await p.kill(w);
  const m = median(times);
  const worst = Math.max(...times);
  console.log(
    `  takeover after SIGKILL (lease ${LEASE_S} s), ${TAKEOVERS} trials: median ${m.toFixed(0)} ms, worst ${worst.toFixed(0)} ms; bound ${boundMs.toFixed(0)} ms`,
  );
  recordBenchRow({
    benchmark: `takeover after SIGKILL of a kiwi worker (lease ${LEASE_S} s): kill → resumed on another, worst of ${TAKEOVERS}`,
    value: worst,
    unit: "ms",
    baseline: `the documented bound lease + min(lease/3, 5 s) + 1 s = ${boundMs.toFixed(0)} ms (median ${m.toFixed(0)} ms)`,
    ratio: worst / boundMs,
    ratioKind: "value",
    target: `≤ ${boundMs.toFixed(0)} ms`,
    met: worst <= boundMs,
  });
}

// ── 4. queued threads over 3 workers ──────────────────────────────────────────────────────────────

async function queued(p: Processes, store: PostgresThreadStore, submitUrl: string): Promise<void> {
  const workers = Array.from({ length: WORKERS }, (_, i) => p.worker(`q${i + 1}`));
  await Promise.all(workers.map((w) => p.ready(w)));
  const sampler = new pg.Client({ connectionString: p.db.url, application_name: "kiwi-bench" });
  await sampler.connect();
  let most = 0;
  let mostBy = "";
  let sampling = true;
  const sample = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ app: string; n: number }>(
        `SELECT coalesce(application_name, '') AS app, count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND coalesce(application_name, '') <> 'kiwi-bench'
          GROUP BY 1 ORDER BY 1`,
        [p.db.name],
      );
      const n = rows.reduce((sum, r) => sum + r.n, 0);
      if (n > most) {
        most = n;
        mostBy = rows.map((r) => `${r.app || "(none)"} ${r.n}`).join(", ");
      }
      await sleep(100);
    }
  })();
  try {
    const t = performance.now();
    const ids: string[] = [];
    let next = 0;
    // Four submitters at once, each as `kiwi thread run --detach` (its own small pool and DBOS client).
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < QUEUED) {
          const n = next++;
          ids.push(await enqueue(store, submitUrl, `[queued ${n}]`));
        }
      }),
    );
    const enqueueSeconds = (performance.now() - t) / 1000;
    const { rows } = await until(
      () =>
        sampler.query<{ status: string; reason: string | null; n: number }>(
          `SELECT status, reason, count(*)::int AS n FROM kiwi.threads WHERE directive = $1 GROUP BY 1, 2`,
          [WORKER_DIRECTIVE],
        ),
      (r) => {
        const ended = r.rows.filter((x) => isTerminal(x.status as never)).reduce((s, x) => s + x.n, 0);
        return ended >= QUEUED + TAKEOVERS;
      },
      `${QUEUED} queued threads to end`,
      3_600_000,
    );
    const seconds = (performance.now() - t) / 1000;
    const completed = rows.find((r) => r.status === "completed" && r.reason === "end_turn")?.n ?? 0;
    if (completed !== QUEUED)
      throw new Error(`queued threads ended ${JSON.stringify(rows)} (expected ${QUEUED} completed/end_turn)`);
    const rate = QUEUED / seconds;
    // DBOS polls the queue every second per worker (longer under contention: it says so in a warning).
    const backoffs = workers.flatMap((w) =>
      [...w.err().matchAll(/Increasing polling interval for queue \S+ to ([\d.]+)s/g)].map((m) =>
        Number(m[1]),
      ),
    );
    console.log(
      `  DBOS queue polling: ${backoffs.length} contention back-offs in the workers' logs${backoffs.length ? ` (longest interval ${Math.max(...backoffs)} s)` : ""}`,
    );
    console.log(
      `  ${QUEUED} queued threads over ${WORKERS} workers (concurrency ${WORKER_CONCURRENCY} each): ${seconds.toFixed(1)} s from the first enqueue to the last end = ${rate.toFixed(1)} threads/s (enqueueing took ${enqueueSeconds.toFixed(1)} s); PostgreSQL connections at most ${most} (${mostBy})`,
    );
    recordBenchRow({
      benchmark: `${QUEUED} queued threads over ${WORKERS} kiwi workers (concurrency ${WORKER_CONCURRENCY}, greet + answer, fake LLM), took ${seconds.toFixed(0)} s`,
      value: rate,
      unit: "threads/s",
      baseline: `the same directive in one runtime on PostgreSQL (${THREADS} at once) ${inProcessPg.toFixed(1)} threads/s; enqueueing ${QUEUED} took ${enqueueSeconds.toFixed(0)} s`,
      ratio: rate / inProcessPg,
      ratioKind: "faster",
    });
    recordBenchRow({
      benchmark: `PostgreSQL connections held by ${WORKERS} kiwi workers running ${QUEUED} queued threads (max of pg_stat_activity)`,
      value: most,
      unit: "connections",
      baseline: mostBy,
    });
  } finally {
    sampling = false;
    await sample.catch(() => undefined);
    await sampler.end();
    for (const w of workers) await p.kill(w);
  }
}

// ── main ──────────────────────────────────────────────────────────────────────────────────────────

const db = await createTestDatabase("bench_threads_pg");
if (!db) {
  console.log("threads-postgres bench: skipped (PostgreSQL not reachable)");
  recordBenchRow({
    benchmark: "threads-postgres benches (skipped: PostgreSQL not reachable)",
    value: Number.NaN,
    unit: "",
  });
  writeBenchRows();
  process.exit(0);
}
console.log(`\nThreads on PostgreSQL vs the embedded SQLite store (node ${process.version})\n`);
const project = await createThreadProject();
let fake: FakeLlmServer | undefined;
let processes: Processes | undefined;
let store: PostgresThreadStore | undefined;
let failed = false;
try {
  await stepOverhead(db);
  await endToEnd(db);

  await createDirective(
    project,
    WORKER_DIRECTIVE,
    threadDirective({
      name: WORKER_DIRECTIVE,
      cost: "<cost><max_turns>60</max_turns><max_total_tokens>1000000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
    }),
  );
  const slowTurn = (i: number): FakeTurn => ({
    ...greet(`Ada ${i}`),
    text: `turn ${i}`,
    chunk_size: 4,
    delay_ms: 40,
  });
  fake = await createFakeLlmServer({
    script: {
      turns: [],
      routes: [
        ...Array.from({ length: TAKEOVERS }, (_, i) => ({
          match: `[long ${i + 1}]`,
          turns: [...Array.from({ length: 50 }, (_, t) => slowTurn(t)), { text: "long end" }],
        })),
        ...Array.from({ length: QUEUED }, (_, n) => ({
          match: `[queued ${n}]`,
          turns: [greet(`q${n}`), { text: `done ${n}` }],
        })),
      ],
    },
  });
  processes = new Processes(db, project, fake);
  // The bench's own connections are named so the connection count leaves them out.
  const submitUrl = `${db.url}?application_name=kiwi-bench`;
  store = await PostgresThreadStore.open({ url: submitUrl });
  await takeover(processes, store);
  await queued(processes, store, submitUrl);
} catch (error) {
  failed = true;
  console.error(`threads-postgres bench failed: ${(error as Error).stack ?? error}`);
  for (const w of processes?.all ?? []) if (w.err()) console.error(`--- ${w.name}\n${w.err().slice(-3000)}`);
} finally {
  await processes?.killAll();
  await store?.close();
  await fake?.close();
  await project.remove();
  await db.drop();
}
writeBenchRows();
process.exit(failed ? 1 : 0);
