import { afterEach, describe, expect, it } from "vitest";
import { codeOf, rawDatabase, steppingClock, tempRegistry } from "./test-fixtures/helpers";
import { ThreadRegistry, type ThreadRegistryOptions } from "./thread-registry";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function open(options: ThreadRegistryOptions = {}): { reg: ThreadRegistry; file: string } {
  const t = tempRegistry();
  const reg = ThreadRegistry.open(t.file, { now: steppingClock(), ...options });
  cleanups.push(t.cleanup, () => reg.close());
  return { reg, file: t.file };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("ThreadRegistry register / get", () => {
  it("registers a thread with defaults and reads it back with JSON columns parsed", () => {
    const { reg } = open();
    const row = reg.register({
      threadId: "root_1",
      directive: "research/summarise",
      permissionContext: { caps: ["fs.read"] },
      budget: { max_cost_usd: 1 },
      transcriptPath: ".ai/threads/root_1/transcript.jsonl",
    });
    expect(row).toEqual({
      thread_id: "root_1",
      directive: "research/summarise",
      parent_id: null,
      status: "spawning",
      reason: null,
      pid: process.pid,
      created_at: "2025-01-01T00:00:00.000Z",
      updated_at: "2025-01-01T00:00:00.000Z",
      finished_at: null,
      permission_context: { caps: ["fs.read"] },
      budget: { max_cost_usd: 1 },
      usage: null,
      transcript_path: ".ai/threads/root_1/transcript.jsonl",
    });
    expect(reg.get("root_1")).toEqual(row);
    expect(reg.get("missing")).toBeUndefined();
  });

  it("refuses a duplicate id with THREAD_ID_COLLISION", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d" });
    const err = codeOf(() => reg.register({ threadId: "t1", directive: "other" }));
    expect(err.code).toBe("THREAD_ID_COLLISION");
    expect(err.message).toMatch(/kiwi_harness generate/);
    expect(err.context).toEqual({ thread_id: "t1" });
  });

  it("validates ids, directive, status, pid and JSON columns", () => {
    const { reg } = open();
    expect(codeOf(() => reg.register({ threadId: "a/b", directive: "d" })).code).toBe("INVALID_THREAD_ID");
    expect(codeOf(() => reg.register({ threadId: "t", directive: "" })).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.register({ threadId: "t", directive: "d", status: "nope" as never })).code).toBe(
      "INVALID_INPUT",
    );
    expect(codeOf(() => reg.register({ threadId: "t", directive: "d", pid: -3 })).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.register({ threadId: "t", directive: "d", budget: [1] as never })).code).toBe(
      "INVALID_INPUT",
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(codeOf(() => reg.register({ threadId: "t", directive: "d", budget: circular })).code).toBe(
      "INVALID_INPUT",
    );
    expect(reg.get("t")).toBeUndefined();
  });
});

describe("ThreadRegistry updateStatus / updateUsage", () => {
  it("moves through statuses, sets reason, usage and finished_at for a terminal status", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d" });
    const running = reg.updateStatus("t1", "running");
    expect(running).toMatchObject({ status: "running", finished_at: null, reason: null });
    const paused = reg.updateStatus("t1", "paused", { reason: "asked for help" });
    expect(paused.reason).toBe("asked for help");
    expect(reg.updateStatus("t1", "running").reason).toBeNull();
    const done = reg.updateStatus("t1", "completed", { usage: { input_tokens: 10 } });
    expect(done.status).toBe("completed");
    expect(done.finished_at).toBe(done.updated_at);
    expect(done.usage).toEqual({ input_tokens: 10 });
    expect(reg.get("t1")).toEqual(done);
  });

  it("is idempotent for a repeated final status and refuses other changes with THREAD_FINISHED", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d" });
    const killed = reg.updateStatus("t1", "killed", { reason: "user" });
    expect(reg.updateStatus("t1", "killed")).toEqual(killed);
    const err = codeOf(() => reg.updateStatus("t1", "running"));
    expect(err.code).toBe("THREAD_FINISHED");
    expect(err.context).toMatchObject({ thread_id: "t1", status: "killed", requested: "running" });
    expect(codeOf(() => reg.updateStatus("t1", "completed")).code).toBe("THREAD_FINISHED");
  });

  it("reports an unknown id as ITEM_NOT_FOUND and an unknown status as INVALID_INPUT", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d" });
    expect(codeOf(() => reg.updateStatus("ghost", "running")).code).toBe("ITEM_NOT_FOUND");
    const bad = codeOf(() => reg.updateStatus("t1", "sleeping" as never));
    expect(bad.code).toBe("INVALID_INPUT");
    expect(bad.message).toMatch(/spawning, running/);
    expect(reg.get("t1")?.status).toBe("spawning");
  });

  it("replaces usage with updateUsage", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d" });
    expect(reg.updateUsage("t1", { usd: 0.5 }).usage).toEqual({ usd: 0.5 });
    expect(reg.get("t1")?.usage).toEqual({ usd: 0.5 });
    expect(codeOf(() => reg.updateUsage("ghost", {})).code).toBe("ITEM_NOT_FOUND");
  });
});

describe("ThreadRegistry query", () => {
  function seeded() {
    const { reg } = open();
    reg.register({ threadId: "a", directive: "alpha" }); // 00:00:00
    reg.register({ threadId: "b", directive: "beta", parentId: "a", status: "running" }); // 00:00:01
    reg.register({ threadId: "c", directive: "alpha", parentId: "a", status: "running" }); // 00:00:02
    reg.register({ threadId: "d", directive: "alpha", status: "completed" }); // 00:00:03
    return reg;
  }
  const ids = (rows: { thread_id: string }[]) => rows.map((r) => r.thread_id);

  it("returns newest first and filters by status, directive, parent and since", () => {
    const reg = seeded();
    expect(ids(reg.query())).toEqual(["d", "c", "b", "a"]);
    expect(ids(reg.query({ status: "running" }))).toEqual(["c", "b"]);
    expect(ids(reg.query({ status: ["spawning", "completed"] }))).toEqual(["d", "a"]);
    expect(ids(reg.query({ status: [] }))).toEqual([]);
    expect(ids(reg.query({ directive: "alpha" }))).toEqual(["d", "c", "a"]);
    expect(ids(reg.query({ parentId: "a" }))).toEqual(["c", "b"]);
    expect(ids(reg.query({ parentId: null }))).toEqual(["d", "a"]);
    expect(ids(reg.query({ since: "2025-01-01T00:00:02Z" }))).toEqual(["d", "c"]);
    expect(ids(reg.query({ directive: "alpha", status: "running", parentId: "a" }))).toEqual(["c"]);
    expect(ids(reg.query({ limit: 2 }))).toEqual(["d", "c"]);
  });

  it("rejects bad limits, times and statuses with INVALID_INPUT", () => {
    const reg = seeded();
    expect(codeOf(() => reg.query({ limit: 0 })).code).toBe("INVALID_INPUT");
    // The names these options had before they became camelCase are refused, not ignored.
    expect(codeOf(() => reg.query({ parent_id: "a" } as never))).toMatchObject({
      code: "INVALID_INPUT",
      context: { renamed: { parent_id: "parentId" } },
    });
    expect(
      codeOf(() => reg.register({ threadId: "n", directive: "d", transcript_path: "x" } as never)),
    ).toMatchObject({
      code: "INVALID_INPUT",
      context: { renamed: { transcript_path: "transcriptPath" } },
    });
    expect(codeOf(() => reg.query({ limit: 1001 })).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.query({ since: "yesterday-ish" })).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.query({ status: "bogus" as never })).code).toBe("INVALID_INPUT");
  });
});

describe("ThreadRegistry events", () => {
  it("numbers events 1, 2, 3… per thread and reads them back in order", async () => {
    const { reg } = open();
    reg.register({ threadId: "a", directive: "d" });
    reg.register({ threadId: "b", directive: "d" });
    expect(reg.appendEvent("a", "message", { text: "one" })).toEqual({ seq: 1 });
    expect(reg.appendEvent("b", "message", { text: "b-one" })).toEqual({ seq: 1 });
    expect(reg.appendEvent("a", "tool_call", { name: "x" })).toEqual({ seq: 2 });
    expect(reg.queuedEvents).toBe(3);
    await tick();
    expect(reg.queuedEvents).toBe(0);
    reg.appendEvent("a", "message", { text: "three" });
    const events = reg.getEvents("a");
    expect(events.map((e) => [e.seq, e.type, e.data])).toEqual([
      [1, "message", { text: "one" }],
      [2, "tool_call", { name: "x" }],
      [3, "message", { text: "three" }],
    ]);
    expect(events[0]).toMatchObject({ thread_id: "a", ts: expect.stringMatching(/Z$/) });
    expect(reg.getEvents("a", { afterSeq: 1, limit: 1 }).map((e) => e.seq)).toEqual([2]);
    expect(reg.getEvents("a", { types: ["message"] }).map((e) => e.seq)).toEqual([1, 3]);
    expect(reg.getEvents("a", { types: [] })).toEqual([]);
  });

  it("continues a thread's numbering from the database after reopening", () => {
    const { reg, file } = open();
    reg.register({ threadId: "a", directive: "d" });
    reg.appendEvent("a", "x", {});
    reg.appendEvent("a", "x", {});
    reg.close();
    const again = ThreadRegistry.open(file);
    cleanups.push(() => again.close());
    expect(again.appendEvent("a", "x", {})).toEqual({ seq: 3 });
    expect(again.getEvents("a").map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("writes at once when batchSize events are queued", () => {
    const { reg } = open({ batchSize: 4 });
    reg.register({ threadId: "a", directive: "d" });
    for (let i = 0; i < 3; i++) reg.appendEvent("a", "x", { i });
    expect(reg.queuedEvents).toBe(3);
    reg.appendEvent("a", "x", { i: 3 });
    expect(reg.queuedEvents).toBe(0);
  });

  it("refuses events for unknown threads and bad event input", () => {
    const { reg } = open();
    reg.register({ threadId: "a", directive: "d" });
    expect(codeOf(() => reg.appendEvent("ghost", "x", {})).code).toBe("ITEM_NOT_FOUND");
    expect(codeOf(() => reg.appendEvent("a", "", {})).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.appendEvent("a", "x", [] as never)).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.appendEvent("a", "x", { n: 1n })).code).toBe("INVALID_INPUT");
    expect(codeOf(() => reg.getEvents("ghost")).code).toBe("ITEM_NOT_FOUND");
    // Refused appends take no seq.
    expect(reg.appendEvent("a", "x", {})).toEqual({ seq: 1 });
  });

  it("keeps 50 interleaved in-process producers × 400 events contiguous per thread", async () => {
    const { reg } = open({ now: () => new Date() });
    const producers = 50;
    const perProducer = 400;
    for (let p = 0; p < producers; p++) reg.register({ threadId: `p${p}`, directive: "load" });
    await Promise.all(
      Array.from({ length: producers }, async (_, p) => {
        for (let i = 1; i <= perProducer; i++) {
          expect(reg.appendEvent(`p${p}`, "tick", { i }).seq).toBe(i);
          await tick();
        }
      }),
    );
    reg.flush();
    const raw = rawDatabase(reg.file, { readonly: true });
    try {
      expect(raw.prepare("SELECT COUNT(*) AS n FROM thread_events").get()).toEqual({
        n: producers * perProducer,
      });
      const bad = raw
        .prepare(
          "SELECT thread_id, COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM thread_events GROUP BY thread_id HAVING n <> ? OR lo <> 1 OR hi <> ?",
        )
        .all(perProducer, perProducer);
      expect(bad).toEqual([]);
    } finally {
      raw.close();
    }
    const events = reg.getEvents("p7");
    expect(events.map((e) => (e.data as { i: number }).i)).toEqual(events.map((e) => e.seq));
  });
});

describe("ThreadRegistry close", () => {
  it("writes queued events on close, is idempotent, and refuses later calls with REGISTRY_UNAVAILABLE", () => {
    const { reg, file } = open();
    reg.register({ threadId: "a", directive: "d" });
    for (let i = 1; i <= 10; i++) reg.appendEvent("a", "x", { i });
    expect(reg.queuedEvents).toBe(10);
    reg.close();
    reg.close();
    expect(reg.closed).toBe(true);
    const err = codeOf(() => reg.appendEvent("a", "x", {}));
    expect(err.code).toBe("REGISTRY_UNAVAILABLE");
    expect(err.message).toMatch(/closed/);
    expect(codeOf(() => reg.get("a")).code).toBe("REGISTRY_UNAVAILABLE");
    const again = ThreadRegistry.open(file);
    cleanups.push(() => again.close());
    expect(again.getEvents("a").map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe("ThreadRegistry markOrphans (in process)", () => {
  it("marks active threads of dead or unknown owners interrupted, never this process's, with an interrupted event", () => {
    const { reg } = open();
    const deadPid = 999_999_991;
    reg.register({ threadId: "mine", directive: "d", status: "running" });
    reg.register({ threadId: "dead", directive: "d", status: "paused", pid: deadPid });
    reg.register({ threadId: "nobody", directive: "d", pid: null });
    reg.register({ threadId: "alive", directive: "d", status: "running", pid: 424242 });
    reg.register({ threadId: "done", directive: "d", status: "completed", pid: deadPid });
    reg.appendEvent("dead", "message", { text: "before" });
    const marked = reg.markOrphans((pid) => pid === 424242);
    expect(marked.sort()).toEqual(["dead", "nobody"]);
    expect(reg.get("dead")).toMatchObject({
      status: "interrupted",
      reason: `owner process ${deadPid} is gone`,
      finished_at: null,
    });
    expect(reg.get("nobody")?.reason).toBe("owner process (unknown) is gone");
    expect(reg.get("mine")?.status).toBe("running");
    expect(reg.get("alive")?.status).toBe("running");
    expect(reg.get("done")?.status).toBe("completed");
    expect(reg.getEvents("dead").map((e) => [e.seq, e.type])).toEqual([
      [1, "message"],
      [2, "interrupted"],
    ]);
    expect(reg.getEvents("dead")[1]?.data).toEqual({
      reason: `owner process ${deadPid} is gone`,
      pid: deadPid,
    });
    expect(reg.appendEvent("dead", "note", {})).toEqual({ seq: 3 });
    expect(reg.markOrphans(() => true)).toEqual([]);
    expect(reg.markOrphans(() => false)).toEqual(["alive"]);
    expect(reg.get("mine")?.status).toBe("running");
  });
});

describe("ThreadRegistry checkpoints", () => {
  it("round-trips checkpoints and returns the latest", () => {
    const { reg } = open();
    reg.register({ threadId: "a", directive: "d" });
    expect(reg.latestCheckpoint("a")).toBeUndefined();
    const first = reg.saveCheckpoint("a", {
      turn: 1,
      state: { messages: [{ role: "user", content: "hi" }] },
    });
    expect(first).toEqual({
      seq: 1,
      ts: expect.stringMatching(/Z$/),
      turn: 1,
      state: { messages: [{ role: "user", content: "hi" }] },
    });
    reg.saveCheckpoint("a", { turn: 2, state: ["any", "json", 3] });
    expect(reg.latestCheckpoint("a")).toMatchObject({ seq: 2, turn: 2, state: ["any", "json", 3] });
    expect(codeOf(() => reg.saveCheckpoint("ghost", { turn: 1, state: {} })).code).toBe("ITEM_NOT_FOUND");
    expect(codeOf(() => reg.saveCheckpoint("a", { turn: -1, state: {} })).code).toBe("INVALID_INPUT");
    expect(reg.latestCheckpoint("ghost")).toBeUndefined();
  });
});
