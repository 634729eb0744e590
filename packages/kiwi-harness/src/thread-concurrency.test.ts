// Many threads at once: 50 in one runtime, and 2 processes × 10 on one project registry (real WAL
// contention between SQLite connections of different processes).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer, type FakeRoute, type FakeTurn } from "@kiwi/fake-llm";
import { readTranscript, type ThreadEvent, ThreadRegistry, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import {
  createWorkerDirective,
  type FixtureChild,
  openRawDatabase,
  spawnFixture,
  WORKER_DIRECTIVE,
  workerMessage,
} from "./test-support/crash-fixture";
import { runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { createTestProject, greet } from "./test-support/thread-world";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Three turns per worker: two greets, then `done <tag> <n>`. The marker's brackets keep "1" from matching "10". */
function workerRoute(tag: string, n: number): FakeRoute {
  const turns: FakeTurn[] = [greet(`${tag} ${n} a`), greet(`${tag} ${n} b`), { text: `done ${tag} ${n}` }];
  return { match: workerMessage(tag, n), turns };
}

/** Warnings this process emits while `fn` runs (the registry reports failed background writes this way). */
async function collectWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const listener = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", listener);
  try {
    return { result: await fn(), warnings };
  } finally {
    process.off("warning", listener);
  }
}

/**
 * One thread's two logs agree: registry seqs run 1..n without gaps, and the registry holds exactly the
 * transcript's events, same types in the same order, each pointing at its transcript line.
 */
function expectLogsAgree(registry: ThreadEvent[], transcript: TranscriptEvent[]): void {
  expect(registry.map((e) => e.seq)).toEqual(registry.map((_, i) => i + 1));
  expect(transcript.map((e) => e.seq)).toEqual(transcript.map((_, i) => i + 1));
  expect(registry.map((e) => e.type)).toEqual(transcript.map((e) => e.type));
  expect(registry.map((e) => e.data.transcript_seq)).toEqual(transcript.map((e) => e.seq));
}

/** The checks every finished worker thread passes, wherever it ran. */
function expectCleanWorker(
  registry: ThreadRegistry,
  transcriptFile: string,
  threadId: string,
  finalText: string,
): void {
  expect(registry.get(threadId)).toMatchObject({ status: "completed", reason: "end_turn" });
  const events = registry.getEvents(threadId);
  const transcript = readTranscript(transcriptFile);
  expect(transcript.torn).toBe(false);
  expectLogsAgree(events, transcript.events);
  const types = transcript.events.map((e) => e.type);
  expect(types.filter((t) => t === "turn_start")).toHaveLength(3);
  expect(types.filter((t) => t === "tool_result")).toHaveLength(2);
  expect(types).not.toContain("error");
  expect(types).not.toContain("stream_incomplete");
  expect(transcript.events.filter((e) => e.type === "tool_result").every((e) => e.success === true)).toBe(
    true,
  );
  const completed = transcript.events.filter((e) => e.type === "completed");
  expect(completed).toHaveLength(1);
  expect(completed[0]).toMatchObject({
    status: "completed",
    reason: "end_turn",
    turns: 3,
    final_text: finalText,
  });
}

describe("50 threads spawned at once in one runtime", () => {
  it("all complete with their own scripts, and every thread's registry log matches its transcript", async () => {
    const N = 50;
    const world = await runtimeWorld({
      script: { turns: [], routes: Array.from({ length: N }, (_, n) => workerRoute("one", n)) },
    });
    cleanups.push(() => world.close());
    cleanups.push(() => rmSync(world.projectRoot, { recursive: true, force: true }));
    await world.directive("worker", threadDirectiveFile({ name: "worker" }));
    const { manager } = world.runtime;

    // How many threads were running at the same moment (from the manager's status changes).
    const running = new Set<string>();
    let mostAtOnce = 0;
    const unwatch = manager.watch((c) => {
      if (c.status === "running") running.add(c.threadId);
      else running.delete(c.threadId);
      mostAtOnce = Math.max(mostAtOnce, running.size);
    });
    cleanups.push(unwatch);
    const { result: rows, warnings } = await collectWarnings(async () => {
      const spawned = await Promise.all(
        Array.from({ length: N }, (_, n) =>
          world.runtime.spawn({ directive: "worker", message: workerMessage("one", n) }),
        ),
      );
      expect(new Set(spawned.map((s) => s.thread_id)).size).toBe(N);
      return Promise.all(spawned.map((s) => manager.wait(s.thread_id, { timeoutMs: 25_000 })));
    });
    // They really ran side by side (typically all 50 at once), not one after another.
    expect(mostAtOnce).toBeGreaterThanOrEqual(10);
    // A failed background write of the registry (SQLITE_BUSY after retries…) surfaces as a warning.
    expect(warnings).toEqual([]);

    for (const [n, row] of rows.entries()) {
      expect(row, `worker ${n}`).toMatchObject({ status: "completed", reason: "end_turn" });
      expectCleanWorker(
        manager.registry,
        manager.transcriptPath(row.thread_id),
        row.thread_id,
        `done one ${n}`,
      );
      // The harness saw the same story: three turns, the two greets succeeded.
      const seen = world.events.get(row.thread_id) ?? [];
      expect(seen.filter((e) => e.type === "turn_start")).toHaveLength(3);
    }
    expect(
      manager.registry.query({ status: ["error", "killed", "orphaned", "interrupted"], limit: 1000 }),
    ).toEqual([]);
    expect(manager.registry.query({ status: "completed", limit: 1000 })).toHaveLength(N);

    // 150 model calls, three per route, each answered from its own route (no thread took another's turn).
    const anthropic = world.fake.requests.filter((r) => r.endpoint === "anthropic");
    expect(anthropic).toHaveLength(3 * N);
    expect(anthropic.every((r) => r.turnIndex !== null)).toBe(true);
    for (let n = 0; n < N; n++) {
      const mine = anthropic.filter((r) => r.rawBody.includes(workerMessage("one", n)));
      expect(mine.map((r) => r.turnIndex).sort(), `worker ${n}`).toEqual([0, 1, 2]);
    }
  }, 30_000);
});

describe("two processes running 10 threads each on one project registry", () => {
  it("both finish cleanly: 20 threads completed, each log intact, no busy errors, the database sound", async () => {
    const PER = 10;
    const tags = ["p0", "p1"];
    const projectRoot = await createTestProject();
    cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
    // The runs must overlap for the registry to see contention; on a loaded machine one process could
    // otherwise finish before the other starts. So no model answer goes out until both have asked once.
    const started = new Set<string>();
    let bothStarted!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothStarted = resolve;
    });
    const fake = await createFakeLlmServer({
      script: {
        turns: [],
        routes: tags.flatMap((tag) => Array.from({ length: PER }, (_, n) => workerRoute(tag, n))),
      },
      onRequest: async (request) => {
        for (const tag of tags) if (request.rawBody.includes(`[${tag} worker`)) started.add(tag);
        if (started.size === tags.length) bothStarted();
        await Promise.race([barrier, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      },
    });
    cleanups.push(() => fake.close());
    await createWorkerDirective(projectRoot);

    const children: FixtureChild[] = tags.map((tag) =>
      spawnFixture(["workers", projectRoot, fake.anthropicBaseUrl, tag, String(PER)]),
    );
    for (const c of children) cleanups.push(() => c.kill());
    await Promise.all(children.map((c) => c.waitForJson("ready")));
    // Both runtimes have the registry open; they start spawning at the same moment.
    for (const c of children) c.proc.stdin!.write("go\n");
    const reports = (await Promise.all(children.map((c) => c.waitForJson("done")))) as {
      threads: { thread_id: string; status: string; reason: string }[];
      warnings: string[];
    }[];
    const codes = await Promise.all(children.map((c) => c.exited));
    expect(codes, children.map((c) => c.stderr()).join("\n")).toEqual([0, 0]);
    for (const [i, c] of children.entries()) {
      expect(reports[i]!.warnings, `process ${tags[i]}`).toEqual([]);
      expect(c.stderr()).not.toMatch(/SQLITE_BUSY|REGISTRY_UNAVAILABLE|Warning/);
      expect(reports[i]!.threads).toHaveLength(PER);
      for (const t of reports[i]!.threads)
        expect(t).toMatchObject({ status: "completed", reason: "end_turn" });
    }
    // The two processes' runs overlapped in time (the barrier above makes sure of it).
    const firstRequest = (tag: string) =>
      fake.requests.findIndex((r) => r.rawBody.includes(`[${tag} worker`));
    const lastRequest = (tag: string) =>
      fake.requests.findLastIndex((r) => r.rawBody.includes(`[${tag} worker`));
    expect(firstRequest("p1")).toBeLessThan(lastRequest("p0"));
    expect(firstRequest("p0")).toBeLessThan(lastRequest("p1"));

    const file = join(projectRoot, ".ai/threads/registry.db");
    const registry = ThreadRegistry.open(file);
    cleanups.push(() => registry.close());
    const all = registry.query({ limit: 1000 });
    expect(all).toHaveLength(2 * PER);
    for (const [i, tag] of tags.entries()) {
      const ids = reports[i]!.threads.map((t) => t.thread_id);
      const owned = all.filter((r) => r.pid === children[i]!.pid).map((r) => r.thread_id);
      expect(owned.sort()).toEqual([...ids].sort());
      for (const [n, id] of ids.entries()) {
        const transcript = join(projectRoot, ".ai/threads", id, "transcript.jsonl");
        expectCleanWorker(registry, transcript, id, `done ${tag} ${n}`);
        expect(registry.get(id)!.directive).toBe(WORKER_DIRECTIVE);
      }
    }

    const raw = openRawDatabase(file);
    try {
      expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      raw.close();
    }
  }, 30_000);
});
