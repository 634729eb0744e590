// Crash simulation: a real child process runs threads on a project, is SIGKILLed mid-stream, and a new
// runtime on the same project must find a consistent registry and readable transcripts.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
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
import { createTestProject, firstUserText, greet } from "./test-support/thread-world";
import type { ThreadRuntime } from "./thread-runtime";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

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

/** Registry events of a thread, before the `interrupted` one the recovering runtime appended. */
function mirrored(events: ThreadEvent[]): ThreadEvent[] {
  return events.filter((e) => e.type !== "interrupted");
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
  expect(registry.map((e) => e.data.transcript_seq)).toEqual(
    transcript.slice(0, registry.length).map((e) => e.seq),
  );
}

/** Every `\n`-terminated line of a transcript is JSON; returns what follows the last `\n` (a torn line, or ""). */
function expectEveryLineParses(file: string): { tail: string } {
  const text = readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n");
  const complete = text
    .slice(0, end + 1)
    .split("\n")
    .slice(0, -1);
  for (const line of complete) expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
  return { tail: text.slice(end + 1) };
}

interface Crashed {
  projectRoot: string;
  fake: FakeLlmServer;
  /** What the fixture reported before it was killed. */
  ready: { pid: number; thread_id: string; busy_id: string; completed_id: string; slow_events: number };
  transcriptOf(id: string): string;
}

/**
 * Runs the crash fixture on a new project and SIGKILLs it while its slow thread is mid-stream (third turn,
 * stream open and stalled) and its busy thread is taking turn after turn.
 */
async function crashProject(): Promise<Crashed> {
  const projectRoot = await createTestProject();
  cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
  const fake: FakeLlmServer = await createFakeLlmServer({ script: script() });
  cleanups.push(() => fake.close());
  await createWorkerDirective(projectRoot);

  const child: FixtureChild = spawnFixture(["crash", projectRoot, fake.anthropicBaseUrl]);
  cleanups.push(() => child.kill());
  const ready = (await child.waitForJson("ready")) as Crashed["ready"];
  expect(ready.pid).toBe(child.pid);
  const requestsOf = (match: string) =>
    fake.requests.filter((r) => firstUserText(r.body).includes(match)).length;
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
  return {
    projectRoot,
    fake,
    ready,
    transcriptOf: (id) => join(projectRoot, ".ai/threads", id, "transcript.jsonl"),
  };
}

describe("a runtime process killed mid-stream", () => {
  it("leaves its live threads interrupted, its finished thread completed, transcripts readable and the registry intact", async () => {
    const { projectRoot, fake, ready, transcriptOf } = await crashProject();

    // What the dead process left, before anyone recovers it: a WAL it never checkpointed, and a database
    // SQLite finds sound. Checked on a copy, so the runtime below recovers the original WAL itself.
    const registryFile = join(projectRoot, ".ai/threads/registry.db");
    expect(existsSync(`${registryFile}-wal`)).toBe(true);
    const copy = join(projectRoot, "crashed-copy");
    mkdirSync(copy);
    for (const suffix of ["", "-wal"])
      copyFileSync(`${registryFile}${suffix}`, join(copy, `registry.db${suffix}`));
    const raw = openRawDatabase(join(copy, "registry.db"));
    try {
      expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(raw.pragma("foreign_key_check")).toEqual([]);
      // Every committed thread log has seqs 1..n: nothing half-written survived.
      const logs = raw
        .prepare(
          "SELECT thread_id, COUNT(*) AS n, MIN(seq) AS first, MAX(seq) AS last FROM thread_events GROUP BY thread_id",
        )
        .all() as { n: number; first: number; last: number }[];
      expect(logs).toHaveLength(3);
      for (const log of logs) expect(log).toMatchObject({ first: 1, last: log.n });
    } finally {
      raw.close();
    }

    // The transcripts as the dead process left them: every complete line an event; at most an unfinished
    // last line (a write cut by the kill), which readers report as torn rather than corrupt.
    const atCrash = new Map<string, { events: TranscriptEvent[]; torn: boolean }>();
    for (const id of [ready.thread_id, ready.busy_id]) {
      const { tail } = expectEveryLineParses(transcriptOf(id));
      const read = readTranscript(transcriptOf(id)); // throws TRANSCRIPT_CORRUPT on any bad line
      expect(read.torn).toBe(tail.length > 0);
      expect(read.events.map((e) => e.seq)).toEqual(read.events.map((_, i) => i + 1));
      expect(read.events.some((e) => e.type === "completed")).toBe(false);
      atCrash.set(id, read);
    }
    // The slow thread made no event after the fixture flushed and reported: it sat in its third turn.
    const slowAtCrash = atCrash.get(ready.thread_id)!.events;
    expect(slowAtCrash).toHaveLength(ready.slow_events);
    expect(slowAtCrash.filter((e) => e.type === "turn_start")).toHaveLength(3);
    expect(slowAtCrash.at(-1)!.type).toBe("turn_start");
    expect(
      atCrash.get(ready.busy_id)!.events.filter((e) => e.type === "turn_start").length,
    ).toBeGreaterThanOrEqual(30);

    // A new runtime on the project recovers: the dead process's active threads become interrupted.
    const runtime: ThreadRuntime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => runtime.close());
    const { registry } = runtime.manager;

    for (const id of [ready.thread_id, ready.busy_id]) {
      const row = registry.get(id)!;
      expect(row).toMatchObject({ status: "interrupted", pid: ready.pid });
      expect(row.reason).toContain(String(ready.pid));
      // Not finished: it resumes in place.
      expect(row.finished_at).toBeNull();
      const interrupted = registry.getEvents(id, { types: ["interrupted"] });
      expect(interrupted).toHaveLength(1);
      expect(interrupted[0]!.data).toMatchObject({ pid: ready.pid });
      expect(String(interrupted[0]!.data.reason)).toContain(String(ready.pid));
      // The interrupted event comes right after what the dead process had committed; then come the
      // transcript events it had not committed yet, copied in by the recovery (marked `recovered`).
      const all = registry.getEvents(id);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      const at = all.findIndex((e) => e.type === "interrupted");
      const committed = all.slice(0, at);
      const recovered = all.slice(at + 1);
      for (const e of recovered) expect(e.data.recovered).toBe(true);
      // What the dead process committed is a prefix of its transcript at the crash, never more ...
      const crashed = atCrash.get(id)!;
      expectRegistryPrefixOfTranscript(mirrored(committed), crashed.events);
      // ... and after recovery nothing of the transcript is missing from the registry.
      expect([...committed, ...recovered].map((e) => e.data.transcript_seq)).toEqual(
        crashed.events.map((e) => e.seq),
      );

      // The transcript gains only the recovery's lines: a torn fragment closed off, then the final status.
      const after = readTranscript(transcriptOf(id));
      expect(after.torn).toBe(false);
      expect(after.events.slice(0, crashed.events.length)).toEqual(crashed.events);
      const added = after.events.slice(crashed.events.length);
      expect(added.map((e) => e.type)).toEqual(crashed.torn ? ["warning", "status"] : ["status"]);
      expect(added.at(-1)).toMatchObject({ status: "interrupted", seq: after.events.length });
      expect(String(added.at(-1)!.reason)).toContain(String(ready.pid));
    }
    // The slow thread's events were all committed before the kill: registry and transcript agree exactly.
    expect(mirrored(registry.getEvents(ready.thread_id))).toHaveLength(slowAtCrash.length);

    // The thread that finished before the crash is untouched.
    const done = registry.get(ready.completed_id)!;
    expect(done).toMatchObject({ status: "completed", reason: "end_turn" });
    const doneEvents = registry.getEvents(ready.completed_id);
    expect(doneEvents.some((e) => e.type === "interrupted")).toBe(false);
    const doneTranscript = readTranscript(transcriptOf(ready.completed_id));
    expect(doneTranscript.torn).toBe(false);
    expect(doneEvents.map((e) => e.type)).toEqual(doneTranscript.events.map((e) => e.type));
    expect(doneTranscript.events.find((e) => e.type === "completed")).toMatchObject({
      final_text: "finished before the crash",
    });

    // Only those two threads were recovered, and a second recovery finds nothing left to do.
    expect(
      registry
        .query({ status: "interrupted" })
        .map((r) => r.thread_id)
        .sort(),
    ).toEqual([ready.thread_id, ready.busy_id].sort());
    expect(registry.markOrphans()).toEqual([]);

    // And after recovery, with the new runtime's connection open, SQLite still finds the file sound.
    const after = openRawDatabase(registryFile);
    try {
      expect(after.pragma("integrity_check", { simple: true })).toBe("ok");
      const counts = after
        .prepare("SELECT thread_id, COUNT(*) AS n, MAX(seq) AS last FROM thread_events GROUP BY thread_id")
        .all() as {
        n: number;
        last: number;
      }[];
      for (const c of counts) expect(c.n).toBe(c.last);
    } finally {
      after.close();
    }
  }, 30_000);

  it("a line cut short by the crash is closed off on recovery, and recovering again changes nothing", async () => {
    const { projectRoot, fake, ready, transcriptOf } = await crashProject();
    const file = transcriptOf(ready.busy_id);
    const before = readTranscript(file);
    // One write(2) is never split by SIGKILL, but a power cut or a full disk can leave half a line: the
    // start of the event the busy thread would have written next.
    const fragment = `{"v":1,"ts":"2026-01-01T00:00:00.000Z","seq":${before.events.length + 1},"type":"assistant_mes`;
    appendFileSync(file, fragment);
    const torn = readTranscript(file);
    expect(torn).toEqual({ events: before.events, torn: true });

    const runtime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => runtime.close());
    expect(runtime.manager.registry.get(ready.busy_id)?.status).toBe("interrupted");
    const after = readTranscript(file);
    expect(after.torn).toBe(false);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    const added = after.events.slice(before.events.length);
    expect(added.map((e) => e.type)).toEqual(["warning", "status"]);
    expect(added[0]).toMatchObject({ code: "TRANSCRIPT_TORN_LINE", seq: before.events.length + 1 });
    expect(added[1]).toMatchObject({ status: "interrupted", seq: before.events.length + 2 });
    // The fragment stays in the file, on a line of its own, right before the warning that explains it.
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines.at(-4)).toBe(fragment);
    expect(lines.at(-1)).toBe("");
    const recovered = readFileSync(file, "utf8");
    await runtime.close();

    const again = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => again.close());
    expect(readFileSync(file, "utf8")).toBe(recovered);
    for (const id of [ready.thread_id, ready.busy_id]) {
      expect(again.manager.registry.get(id)?.status).toBe("interrupted");
      expect(again.manager.registry.getEvents(id, { types: ["interrupted"] })).toHaveLength(1);
    }
    expect(again.manager.registry.get(ready.completed_id)?.status).toBe("completed");
  }, 30_000);
});
