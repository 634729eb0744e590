// Crash simulation: a real child process runs threads on a project, is SIGKILLed mid-stream, and a new
// runtime on the same project must find a consistent registry and readable transcripts.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/testing/fake-llm";
import { readTranscript, type ThreadEvent, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import {
  BUSY_TURNS,
  CRASH_ROUTES,
  createWorkerDirective,
  type FixtureChild,
  fixtureRuntime,
  openRawDatabase,
  spawnFixture,
} from "./test-support/crash-fixture";
import { createTestProject, greet } from "./test-support/thread-world";
import type { ThreadRuntime } from "./thread-runtime";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The first user message of a recorded request (what the fake server's routes match). */
function firstUserText(body: unknown): string {
  const first = (body as { messages?: { role: string; content: unknown }[] }).messages?.find((m) => m.role === "user");
  return JSON.stringify(first?.content ?? "");
}

function script(): { turns: FakeTurn[]; routes: { match: string; turns: FakeTurn[] }[] } {
  return {
    turns: [],
    routes: [
      { match: CRASH_ROUTES.done, turns: [greet("done"), { text: "finished before the crash" }] },
      {
        match: CRASH_ROUTES.slow,
        turns: [
          greet("one"),
          greet("two"),
          // message_start goes out at once; every later SSE event waits five minutes: mid-stream.
          { text: "this answer never finishes streaming", chunk_size: 4, delay_ms: 300_000 },
        ],
      },
      {
        match: CRASH_ROUTES.busy,
        turns: [...Array.from({ length: BUSY_TURNS }, (_, i) => greet(`busy ${i}`)), { text: "busy done" }],
      },
    ],
  };
}

async function until(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Registry events of a thread, before the `orphaned` one the recovering runtime appended. */
function mirrored(events: ThreadEvent[]): ThreadEvent[] {
  return events.filter((e) => e.type !== "orphaned");
}

/**
 * The registry copy of a thread's log never runs ahead of its transcript: seqs 1..n without gaps, each
 * event the transcript's event of the same seq and type (ThreadManager.record writes the transcript line
 * first, then queues the registry row).
 */
function expectRegistryPrefixOfTranscript(registry: ThreadEvent[], transcript: TranscriptEvent[]): void {
  expect(registry.map((e) => e.seq)).toEqual(registry.map((_, i) => i + 1));
  expect(registry.length).toBeLessThanOrEqual(transcript.length);
  expect(registry.map((e) => e.type)).toEqual(transcript.slice(0, registry.length).map((e) => e.type));
  expect(registry.map((e) => e.data.transcript_seq)).toEqual(transcript.slice(0, registry.length).map((e) => e.seq));
}

/** Every `\n`-terminated line of a transcript is a JSON object; returns whether an unterminated tail exists. */
function expectEveryLineParses(file: string): { tail: string } {
  const text = readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n");
  const complete = text.slice(0, end + 1).split("\n").slice(0, -1);
  for (const line of complete) expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
  return { tail: text.slice(end + 1) };
}

describe("a runtime process killed mid-stream", () => {
  it("leaves its live threads orphaned, its finished thread completed, transcripts readable and the registry intact", async () => {
    const projectRoot = await createTestProject();
    cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
    const fake: FakeLlmServer = await createFakeLlmServer({ script: script() });
    cleanups.push(() => fake.close());
    await createWorkerDirective(projectRoot);

    const child: FixtureChild = spawnFixture(["crash", projectRoot, fake.anthropicBaseUrl]);
    cleanups.push(() => child.kill());
    const ready = (await child.waitForJson("ready")) as {
      pid: number;
      thread_id: string;
      busy_id: string;
      completed_id: string;
      slow_events: number;
    };
    expect(ready.pid).toBe(child.pid);
    const requestsOf = (match: string) => fake.requests.filter((r) => firstUserText(r.body).includes(match)).length;
    // turn_start is recorded just before the request goes out: wait for the slow thread's third request
    // to reach the server, so its stream is open and stalled when the process dies.
    await until(() => requestsOf(CRASH_ROUTES.slow) === 3);
    // Kill while the busy thread is in full swing, twenty-odd turns past the moment the fixture reported.
    await until(() => requestsOf(CRASH_ROUTES.busy) >= 30);

    await child.kill();
    expect(await child.exited).toBe("SIGKILL");
    // The busy thread was still taking turns when it died (it had hundreds left).
    expect(requestsOf(CRASH_ROUTES.busy)).toBeLessThan(BUSY_TURNS);
    expect(requestsOf(CRASH_ROUTES.slow)).toBe(3);

    // What the dead process left, before anyone recovers it: a database SQLite finds sound.
    const raw = openRawDatabase(join(projectRoot, ".ai/threads/registry.db"));
    try {
      expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(raw.pragma("foreign_key_check")).toEqual([]);
    } finally {
      raw.close();
    }

    const runtime: ThreadRuntime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => runtime.close());
    const { registry } = runtime.manager;

    for (const id of [ready.thread_id, ready.busy_id]) {
      const row = registry.get(id)!;
      expect(row).toMatchObject({ status: "orphaned", pid: ready.pid });
      expect(row.reason).toContain(String(ready.pid));
      expect(row.finished_at).not.toBeNull();
      const orphaned = registry.getEvents(id, { types: ["orphaned"] });
      expect(orphaned).toHaveLength(1);
      expect(orphaned[0]!.data).toMatchObject({ pid: ready.pid });
      // The orphaned event comes last, right after what the dead process had committed.
      const all = registry.getEvents(id);
      expect(all.at(-1)!.type).toBe("orphaned");
      expect(all.at(-1)!.seq).toBe(all.length);

      const file = runtime.manager.transcriptPath(id);
      const { tail } = expectEveryLineParses(file);
      const transcript = readTranscript(file); // throws TRANSCRIPT_CORRUPT on any bad line
      expect(transcript.torn).toBe(tail.length > 0);
      expectRegistryPrefixOfTranscript(mirrored(all), transcript.events);
      expect(transcript.events.map((e) => e.seq)).toEqual(transcript.events.map((_, i) => i + 1));
    }

    // The slow thread made no event after the fixture flushed: registry and transcript agree exactly.
    const slowTranscript = readTranscript(runtime.manager.transcriptPath(ready.thread_id)).events;
    expect(slowTranscript).toHaveLength(ready.slow_events);
    expect(mirrored(registry.getEvents(ready.thread_id))).toHaveLength(slowTranscript.length);
    expect(slowTranscript.filter((e) => e.type === "turn_start")).toHaveLength(3);
    expect(slowTranscript.some((e) => e.type === "completed")).toBe(false);

    // The busy thread died between turns or inside one: its transcript has no end either.
    const busyTranscript = readTranscript(runtime.manager.transcriptPath(ready.busy_id)).events;
    expect(busyTranscript.filter((e) => e.type === "turn_start").length).toBeGreaterThanOrEqual(10);
    expect(busyTranscript.some((e) => e.type === "completed")).toBe(false);

    // The thread that finished before the crash is untouched.
    const done = registry.get(ready.completed_id)!;
    expect(done).toMatchObject({ status: "completed", reason: "end_turn" });
    const doneEvents = registry.getEvents(ready.completed_id);
    expect(doneEvents.some((e) => e.type === "orphaned")).toBe(false);
    const doneTranscript = readTranscript(runtime.manager.transcriptPath(ready.completed_id));
    expect(doneTranscript.torn).toBe(false);
    expect(doneEvents.map((e) => e.type)).toEqual(doneTranscript.events.map((e) => e.type));
    expect(doneTranscript.events.find((e) => e.type === "completed")).toMatchObject({
      final_text: "finished before the crash",
    });

    // Only those two threads were recovered, and a second recovery finds nothing left to do.
    expect(registry.query({ status: "orphaned" }).map((r) => r.thread_id).sort()).toEqual(
      [ready.thread_id, ready.busy_id].sort(),
    );
    expect(registry.markOrphans()).toEqual([]);

    // And after recovery, with the new runtime's connection open, SQLite still finds the file sound.
    const after = openRawDatabase(join(projectRoot, ".ai/threads/registry.db"));
    try {
      expect(after.pragma("integrity_check", { simple: true })).toBe("ok");
      const counts = after.prepare("SELECT thread_id, COUNT(*) AS n, MAX(seq) AS last FROM thread_events GROUP BY thread_id").all() as {
        n: number;
        last: number;
      }[];
      for (const c of counts) expect(c.n).toBe(c.last);
    } finally {
      after.close();
    }
  }, 30_000);
});
