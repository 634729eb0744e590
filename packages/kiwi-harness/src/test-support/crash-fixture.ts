// A second process for the crash and multi-process tests: a real ThreadRuntime on a project the test made,
// talking to a fake LLM server that lives in the test process (so its script and requests stay there).
//
//   node --import tsx src/test-support/crash-fixture.ts crash <projectRoot> <fakeUrl>
//     Runs three threads of `crash_worker`: "[crash done]" (ends at once), "[crash slow]" (two greets, then
//     a turn that streams one SSE event every few minutes) and "[crash busy]" (hundreds of quick greet
//     turns). Prints `{"ready":true,…}` once the first has completed, the slow one is in its third turn and
//     the busy one is mid-run, then waits to be killed.
//
//   node --import tsx src/test-support/crash-fixture.ts workers <projectRoot> <fakeUrl> <tag> <count>
//     Prints `{"ready":true}`, waits for a line on stdin, spawns <count> threads of `crash_worker` with the
//     messages "[<tag> worker N]" at once, waits for all of them, prints `{"done":true,…}` and closes.
//
//   node --import tsx src/test-support/crash-fixture.ts victim <projectRoot> <fakeUrl> <directive> <message>
//     Spawns one thread of <directive> with <message>, prints `{"ready":true,"thread_id":…}` and waits to be
//     killed (the resume tests kill it at a step boundary they choose).
//
//   node --import tsx src/test-support/crash-fixture.ts spawner <projectRoot> <fakeUrl> <directive> <hold>
//     Spawns one thread of <directive> (message "[spawn parent]") whose journal stops the whole process at
//     its first thread_directive step: <hold> `intent` right after the step's intent is journaled (before
//     the child is registered), `registered` when the step is about to journal its result (the child
//     registered, not yet run). Prints `{"holding":…,"thread_id":…,"seq":…}` and blocks until killed.
//
//   With KIWI_FIXTURE_TRACE=1 in its environment the process registers an OpenTelemetry tracer provider
//   first (no exporter): its threads' trace contexts are real and journaled, as a traced host's would be.
//
//   node --import tsx src/test-support/crash-fixture.ts resumer <projectRoot> <fakeUrl> <threadId> <decision>
//     Prints `{"ready":true}`, waits for a line on stdin, resumes <threadId> in place (decision rerun|skip|none)
//     and prints `{"resumed":…}` (or `{"failed":code}`); a winner then waits for the thread and prints
//     `{"done":status}`.
//
// Imported (by the tests), it exports the helpers that start it and the shared pieces both sides need.
import { type ChildProcess, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { costOf as anthropicCost, createAnthropicProvider } from "@kiwi/provider-anthropic";
import { type JournalIntent, type JournalOutcome, readTranscript, ThreadJournal } from "@kiwi/threads";
import { createThreadRuntime, type ThreadRuntime, type ThreadRuntimeOptions } from "../thread-runtime";
import { threadDirectiveFile } from "./runtime-world";

export const FIXTURE = fileURLToPath(import.meta.url);
/** packages/kiwi-harness: `--import tsx` resolves from here. */
const PACKAGE_ROOT = join(dirname(FIXTURE), "../..");

/** The one directive every fixture thread runs (room for the busy thread's many turns). */
export const WORKER_DIRECTIVE = "crash_worker";
export const BUSY_TURNS = 400;

/** Route markers: a request whose first user message contains one takes that route's turns. */
export const CRASH_ROUTES = { done: "[crash done]", slow: "[crash slow]", busy: "[crash busy]" } as const;
export const workerMessage = (tag: string, n: number) => `[${tag} worker ${n}]`;

/** Kernel env pointing both providers at a fake server's base URL. */
export function envFor(fakeUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ANTHROPIC_API_KEY: "test-key",
    ANTHROPIC_BASE_URL: fakeUrl,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: `${fakeUrl}/v1`,
  };
}

/**
 * A ThreadRuntime on `projectRoot` with runtime-world's model resolver (anthropic, claude-haiku-4-5). With
 * `KIWI_TEST_STORE_URL` in the environment (a fixture process of the PostgreSQL tests) it runs on that
 * PostgreSQL store, as the lease owner `KIWI_TEST_OWNER` when set.
 */
export async function fixtureRuntime(
  projectRoot: string,
  fakeUrl: string,
  extra: Partial<ThreadRuntimeOptions> = {},
): Promise<ThreadRuntime> {
  const url = process.env.KIWI_TEST_STORE_URL;
  if (url && !extra.store) {
    const { PostgresThreadStore } = await import("@kiwi/threads-postgres");
    extra = {
      store: await PostgresThreadStore.open({ url }),
      ...(process.env.KIWI_TEST_OWNER ? { owner: process.env.KIWI_TEST_OWNER } : {}),
      ...(process.env.KIWI_TEST_LEASE_MS ? { leaseMs: Number(process.env.KIWI_TEST_LEASE_MS) } : {}),
      ...extra,
    };
  }
  return createThreadRuntime({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: envFor(fakeUrl),
    indexTtlMs: 0,
    models: () => ({
      provider: createAnthropicProvider(),
      model: "claude-haiku-4-5",
      price: (model, usage) => {
        const c = anthropicCost({ model, usage });
        return c.priced ? { usd: c.usd } : { unpriced: true };
      },
    }),
    ...extra,
  });
}

/** Creates (signs with the project's user key) the worker directive, without opening a registry. */
export async function createWorkerDirective(projectRoot: string): Promise<void> {
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: {},
    indexTtlMs: 0,
  });
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: WORKER_DIRECTIVE,
    parameters: {
      content: threadDirectiveFile({
        name: WORKER_DIRECTIVE,
        cost: `<cost><max_turns>${BUSY_TURNS + 10}</max_turns><on_exceeded>stop</on_exceeded></cost>`,
      }),
    },
  });
  if (!created.success) throw new Error(created.error.message);
}

/** The subset of better-sqlite3 the tests use (it is a dependency of @kiwi/threads, not of this package). */
export interface RawDatabase {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): { all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown };
  close(): void;
}

/** Opens a registry file with better-sqlite3 directly (resolved from @kiwi/threads). */
export function openRawDatabase(file: string): RawDatabase {
  const threadsPackage = realpathSync(join(PACKAGE_ROOT, "node_modules/@kiwi/threads/package.json"));
  const Database = createRequire(threadsPackage)("better-sqlite3") as new (
    file: string,
    options?: { fileMustExist?: boolean },
  ) => RawDatabase;
  return new Database(file, { fileMustExist: true });
}

/** A running fixture process with its stdout split into lines. */
export interface FixtureChild {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly lines: string[];
  stderr(): string;
  /** The first stdout line that is a JSON object with `key` set (rejects when the process exits first). */
  waitForJson(key: string): Promise<Record<string, unknown>>;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILLs the process if it still runs and waits for it to be gone. */
  kill(): Promise<void>;
}

/** Starts the fixture (or another test-support `script`) in a process of its own, with `env` added. */
export function spawnFixture(
  args: readonly string[],
  env: Record<string, string> = {},
  script = FIXTURE,
): FixtureChild {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  let buffer = "";
  const listeners = new Set<() => void>();
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
    for (const l of listeners) l();
  });
  proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  let gone = false;
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    proc.on("exit", (code, signal) => {
      gone = true;
      resolve(code ?? signal);
    });
  });
  const json = (key: string) => {
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed[key] !== undefined) return parsed;
    }
    return undefined;
  };
  return {
    proc,
    pid: proc.pid!,
    lines,
    stderr: () => stderr,
    exited,
    waitForJson(key) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = json(key);
          if (found) {
            listeners.delete(check);
            resolve(found);
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          listeners.delete(check);
          const found = json(key);
          if (found) resolve(found);
          else reject(new Error(`fixture exited (${code}) before printing "${key}"; stderr:\n${stderr}`));
        });
      });
    },
    async kill() {
      if (!gone) proc.kill("SIGKILL");
      await exited;
    },
  };
}

// ── the process itself ────────────────────────────────────────────────────────────────────────────

function print(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`fixture: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function crash(projectRoot: string, fakeUrl: string): Promise<void> {
  const runtime = await fixtureRuntime(projectRoot, fakeUrl);
  const { manager } = runtime;
  const done = await runtime.spawn({ directive: WORKER_DIRECTIVE, message: CRASH_ROUTES.done });
  const finished = await manager.wait(done.thread_id, { timeoutMs: 15_000 });
  if (finished.status !== "completed") throw new Error(`fixture: ${done.thread_id} ended ${finished.status}`);
  const slow = await runtime.spawn({ directive: WORKER_DIRECTIVE, message: CRASH_ROUTES.slow });
  const busy = await runtime.spawn({ directive: WORKER_DIRECTIVE, message: CRASH_ROUTES.busy });
  const turnStarts = (id: string) =>
    readTranscript(manager.transcriptPath(id)).events.filter((e) => e.type === "turn_start").length;
  await until("the slow thread's third turn and the busy thread's tenth", () => {
    // Committed first: what the registry shows below is on disk.
    manager.registry.flush();
    return (
      manager.registry.get(slow.thread_id)?.status === "running" &&
      manager.registry.get(busy.thread_id)?.status === "running" &&
      turnStarts(slow.thread_id) >= 3 &&
      turnStarts(busy.thread_id) >= 10
    );
  });
  print({
    ready: true,
    pid: process.pid,
    thread_id: slow.thread_id,
    busy_id: busy.thread_id,
    completed_id: done.thread_id,
    slow_events: readTranscript(manager.transcriptPath(slow.thread_id)).events.length,
  });
  // The slow stream's socket keeps the process alive; this only guards against it ending early.
  setTimeout(() => process.exit(3), 120_000);
}

async function workers(projectRoot: string, fakeUrl: string, tag: string, count: number): Promise<void> {
  const warnings: string[] = [];
  process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`));
  const runtime = await fixtureRuntime(projectRoot, fakeUrl);
  try {
    print({ ready: true, pid: process.pid });
    const go = await new Promise<boolean>((resolve) => {
      process.stdin.once("data", () => resolve(true));
      // The test process went away before its go (stdin closed): nothing to do.
      process.stdin.once("end", () => resolve(false));
    });
    if (!go) return;
    const spawned = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        runtime.spawn({ directive: WORKER_DIRECTIVE, message: workerMessage(tag, n) }),
      ),
    );
    const rows = await Promise.all(
      spawned.map((s) => runtime.manager.wait(s.thread_id, { timeoutMs: 20_000 })),
    );
    print({
      done: true,
      threads: rows.map((r) => ({ thread_id: r.thread_id, status: r.status, reason: r.reason })),
      warnings,
    });
  } finally {
    await runtime.close();
  }
  process.stdin.destroy();
}

async function victim(projectRoot: string, fakeUrl: string, directive: string, message: string) {
  const runtime = await fixtureRuntime(projectRoot, fakeUrl);
  const spawned = await runtime.spawn({ directive, message });
  print({ ready: true, pid: process.pid, thread_id: spawned.thread_id });
  await runtime.manager.wait(spawned.thread_id, { timeoutMs: 120_000 });
  print({ done: true, result: await spawned.done() });
  await runtime.close();
}

/** Blocks the process's only thread (the test SIGKILLs it meanwhile): nothing after this point runs. */
function blockForever(): never {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
}

async function spawner(projectRoot: string, fakeUrl: string, directive: string, hold: string) {
  const isSpawn = (i: JournalIntent) =>
    i.kind === "tool" && JSON.stringify(i.request).includes('"item_id":"thread_directive"');
  const runtime = await fixtureRuntime(projectRoot, fakeUrl, {
    journal: (threadId, registry) => {
      const journal = ThreadJournal.open(registry, threadId);
      const stop = (i: JournalIntent) => {
        // What the process wrote so far is on disk (a pipe write is synchronous on Linux), then it stops.
        registry.flush();
        print({ holding: hold, thread_id: threadId, seq: i.seq });
        blockForever();
      };
      if (hold === "intent") {
        journal.begin = (i: JournalIntent) => {
          const recorded = ThreadJournal.prototype.begin.call(journal, i);
          if (isSpawn(i)) stop(i);
          return recorded;
        };
      } else {
        journal.end = (i: JournalIntent, o: JournalOutcome) => {
          if (isSpawn(i)) stop(i);
          ThreadJournal.prototype.end.call(journal, i, o);
        };
      }
      return journal;
    },
  });
  await runtime.spawn({ directive, message: "[spawn parent]" });
  setTimeout(() => process.exit(3), 120_000);
}

async function resumer(projectRoot: string, fakeUrl: string, threadId: string, decision: string) {
  const runtime = await fixtureRuntime(projectRoot, fakeUrl);
  try {
    print({ ready: true, pid: process.pid });
    await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
    try {
      const result = await runtime.resume(
        threadId,
        decision === "rerun" || decision === "skip" ? { decision } : {},
      );
      print({ resumed: result.status });
    } catch (error) {
      print({ failed: (error as { code?: string }).code ?? "?" });
      return;
    }
    const row = await runtime.manager.wait(threadId, { timeoutMs: 30_000 });
    print({ done: row.status });
  } finally {
    await runtime.close();
    process.stdin.destroy();
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === realpathSync(FIXTURE)) {
  const [mode, projectRoot, fakeUrl, tag, count] = process.argv.slice(2);
  if (process.env.KIWI_FIXTURE_TRACE === "1") {
    const { NodeTracerProvider } = await import("@opentelemetry/sdk-trace-node");
    new NodeTracerProvider().register();
  }
  const run =
    mode === "crash"
      ? crash(projectRoot!, fakeUrl!)
      : mode === "workers"
        ? workers(projectRoot!, fakeUrl!, tag!, Number(count))
        : mode === "victim"
          ? victim(projectRoot!, fakeUrl!, tag!, count!)
          : mode === "spawner"
            ? spawner(projectRoot!, fakeUrl!, tag!, count!)
            : mode === "resumer"
              ? resumer(projectRoot!, fakeUrl!, tag!, count!)
              : Promise.reject(new Error(`fixture: unknown mode ${mode}`));
  run.catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
