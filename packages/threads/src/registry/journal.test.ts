// The step journal in the registry file: intents before, outcomes after, replay with divergence checks, a
// versioned format refused when newer or unreadable (nothing rewritten), the v1 → v2 migration, claims.
import { KiwiError } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";
import { exportRegistry } from "./export-registry";
import {
  JOURNAL_FORMAT_VERSION,
  type JournalOutcome,
  readJournal,
  requestHash,
  ThreadJournal,
} from "./journal";
import { MIGRATIONS, REGISTRY_SCHEMA_VERSION } from "./schema";
import { codeOf, rawDatabase, tempRegistry } from "./test-fixtures/helpers";
import { BOOT_ID, ThreadRegistry } from "./thread-registry";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function open(): { reg: ThreadRegistry; file: string } {
  const t = tempRegistry();
  const reg = ThreadRegistry.open(t.file);
  cleanups.push(t.cleanup, () => reg.close());
  return { reg, file: t.file };
}

describe("ThreadJournal", () => {
  it("writes each step's intent before it runs and its outcome after, and replays them in order", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "t1");
    j.recordStart({ directive: "d", message: "hi" });
    expect(j.begin({ seq: 1, kind: "tool", request: { id: "c1", tool: "x", parameters: { a: 1 } } })).toBe(
      undefined,
    );
    // The intent is on disk before the step runs.
    expect(readJournal(reg, "t1").map((s) => [s.seq, s.kind, s.outcome])).toEqual([
      [0, "start", { ok: true, result: { directive: "d", message: "hi" } }],
      [1, "tool", undefined],
    ]);
    j.end({ seq: 1, kind: "tool", request: {} }, { ok: true, result: { success: true, data: "ran" } });
    j.begin({ seq: 2, kind: "model", request: { model: "m", messages: [{ role: "user", content: "x" }] } });
    j.end(
      { seq: 2, kind: "model", request: {} },
      { ok: false, error: new KiwiError({ code: "MODEL_ERROR", message: "overloaded", context: { n: 1 } }) },
    );
    const steps = readJournal(reg, "t1");
    expect(steps[1]).toMatchObject({
      format: JOURNAL_FORMAT_VERSION,
      request: { id: "c1", tool: "x", parameters: { a: 1 } },
      outcome: { ok: true, result: { success: true, data: "ran" } },
    });
    // A model request is kept as a digest: its hash decides, the conversation is not stored again.
    expect(steps[2]!.request).toEqual({ model: "m", max_tokens: null, messages: 1, tools: 0 });

    const again = ThreadJournal.open(reg, "t1");
    expect(again.start).toEqual({ directive: "d", message: "hi" });
    expect(again.recordedSteps).toBe(2);
    expect(
      again.begin({ seq: 1, kind: "tool", request: { parameters: { a: 1 }, tool: "x", id: "c1" } }),
    ).toEqual({ ok: true, result: { success: true, data: "ran" } });
    const failed = again.begin({
      seq: 2,
      kind: "model",
      request: { model: "m", messages: [{ role: "user", content: "x" }] },
    }) as JournalOutcome | undefined;
    expect(failed?.ok).toBe(false);
    const error = (failed as { error: unknown }).error;
    expect(KiwiError.isInstance(error) && error.code).toBe("MODEL_ERROR");
    expect((error as KiwiError).context).toEqual({ n: 1 });
    // A step past the journal is new: it is written.
    expect(again.begin({ seq: 3, kind: "tool", request: { id: "c2", tool: "x" } })).toBe(undefined);
    expect(readJournal(reg, "t1")).toHaveLength(4);
  });

  it("stores and hashes a request redacted, so a replay with the same secret matches it", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const redact = (t: string) => t.replaceAll("sk-secret-1", "[REDACTED]");
    const j = ThreadJournal.open(reg, "t1", { redact });
    const request = { tool: "x", id: "c1", parameters: { key: "sk-secret-1", n: 1 } };
    j.begin({ seq: 1, kind: "tool", request });
    j.end({ seq: 1, kind: "tool", request }, { ok: true, result: { echoed: "sk-secret-1" } });
    j.begin({ seq: 2, kind: "tool", request: { tool: "y", id: "c2" } });
    const [first, second] = reg.steps("t1");
    expect(first!.request).toBe('{"id":"c1","parameters":{"key":"[REDACTED]","n":1},"tool":"x"}');
    expect(first!.request_hash).toBe(requestHash(JSON.parse(first!.request)));
    expect(first!.outcome).toBe('{"ok":true,"result":{"echoed":"[REDACTED]"}}');
    // Without a secret the stored text is the canonical JSON itself.
    expect(second!.request).toBe(canonicalJson({ tool: "y", id: "c2" }));
    expect(second!.request_hash).toBe(requestHash({ id: "c2", tool: "y" }));
    const again = ThreadJournal.open(reg, "t1", { redact });
    expect(again.begin({ seq: 1, kind: "tool", request })).toEqual({
      ok: true,
      result: { echoed: "[REDACTED]" },
    });
  });

  it("a read step is written in one row when it ends, or as an intent before any later step's row", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "t1");
    // Nothing happens while a read runs: its intent is not on disk first, its outcome is when it ends.
    expect(j.begin({ seq: 1, kind: "turn", request: { turn: 1 } })).toBe(undefined);
    expect(readJournal(reg, "t1")).toEqual([]);
    j.end({ seq: 1, kind: "turn", request: { turn: 1 } }, { ok: true, result: { inject: ["hi"] } });
    expect(readJournal(reg, "t1").map((s) => [s.seq, s.kind, s.outcome])).toEqual([
      [1, "turn", { ok: true, result: { inject: ["hi"] } }],
    ]);
    // Two reads in flight and a tool call starting: their intents go first, so the journal has no gap.
    j.begin({ seq: 2, kind: "describe_tool", request: { tool: "a" } });
    j.begin({ seq: 3, kind: "clock", request: null });
    j.begin({ seq: 4, kind: "tool", request: { id: "c1", tool: "x" } });
    expect(readJournal(reg, "t1").map((s) => [s.seq, s.kind, s.outcome?.ok])).toEqual([
      [1, "turn", true],
      [2, "describe_tool", undefined],
      [3, "clock", undefined],
      [4, "tool", undefined],
    ]);
    j.end({ seq: 3, kind: "clock", request: null }, { ok: true, result: 5 });
    j.end({ seq: 2, kind: "describe_tool", request: { tool: "a" } }, { ok: false, error: new Error("gone") });
    // A read ending before an earlier one writes the earlier one's intent first.
    j.begin({ seq: 5, kind: "random", request: null });
    j.begin({ seq: 6, kind: "clock", request: null });
    j.end({ seq: 6, kind: "clock", request: null }, { ok: true, result: 6 });
    expect(readJournal(reg, "t1").map((s) => [s.seq, s.kind, s.outcome?.ok])).toEqual([
      [1, "turn", true],
      [2, "describe_tool", false],
      [3, "clock", true],
      [4, "tool", undefined],
      [5, "random", undefined],
      [6, "clock", true],
    ]);
    // A replay hands the recorded reads back and reruns the one that never ended.
    const again = ThreadJournal.open(reg, "t1", { pending: () => "rerun" });
    expect(again.begin({ seq: 1, kind: "turn", request: { turn: 1 } })).toEqual({
      ok: true,
      result: { inject: ["hi"] },
    });
    expect(again.begin({ seq: 3, kind: "clock", request: null })).toEqual({ ok: true, result: 5 });
    expect(again.begin({ seq: 5, kind: "random", request: null })).toBe(undefined);
  });

  it("a replay asking for another step (an edited directive, a changed tool) stops with JOURNAL_DIVERGED", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "t1");
    j.begin({ seq: 1, kind: "model", request: { model: "m", messages: [{ role: "user", content: "v1" }] } });
    j.end({ seq: 1, kind: "model", request: {} }, { ok: true, result: { text: "a" } });
    const again = ThreadJournal.open(reg, "t1");
    const changed = codeOf(() =>
      again.begin({
        seq: 1,
        kind: "model",
        request: { model: "m", messages: [{ role: "user", content: "v2" }] },
      }),
    );
    expect(changed.code).toBe("JOURNAL_DIVERGED");
    expect(changed.message).toContain("step 1");
    expect(codeOf(() => again.begin({ seq: 1, kind: "tool", request: {} })).code).toBe("JOURNAL_DIVERGED");
  });

  it("a step recorded without a result: reruns, gets STEP_SKIPPED, or needs a person (NEEDS_RECONCILIATION)", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "t1");
    const call = { seq: 1, kind: "tool", request: { id: "c1", tool: "append" } };
    j.begin(call);
    expect(
      ThreadJournal.open(reg, "t1")
        .pendingSteps()
        .map((s) => s.seq),
    ).toEqual([1]);
    // Default: a tool call whose effect is unknown is not run again.
    const stop = codeOf(() => ThreadJournal.open(reg, "t1").begin(call));
    expect(stop.code).toBe("NEEDS_RECONCILIATION");
    expect(ThreadJournal.open(reg, "t1", { pending: () => "rerun" }).begin(call)).toBe(undefined);
    const skipped = ThreadJournal.open(reg, "t1", { pending: () => "skip" }).begin(call);
    expect(skipped).toMatchObject({
      ok: true,
      decided: true,
      result: { success: false, error: { code: "STEP_SKIPPED" } },
    });
    // The decision is recorded: the next replay gets it without asking (as a recorded outcome now).
    const { decided: _new, ...recorded } = skipped as { decided?: true };
    expect(ThreadJournal.open(reg, "t1").begin(call)).toEqual(recorded);
  });

  it("records the run's input (step 0) as one row with its outcome: one write on the spawn path", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    // The real registry, its journal writes counted on the way through.
    const writes: string[] = [];
    const store = new Proxy(reg, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (key === "beginStep" || key === "endStep" || key === "recordStep") writes.push(key);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    ThreadJournal.fresh(store, "t1").recordStart({ directive: "d", message: "hi" });
    expect(writes).toEqual(["recordStep"]);
    const [start] = readJournal(reg, "t1");
    expect(start).toMatchObject({ seq: 0, kind: "start", outcome: { ok: true, result: { directive: "d" } } });
    expect(start!.ended_at).not.toBeNull();
    expect(ThreadJournal.open(reg, "t1").start).toEqual({ directive: "d", message: "hi" });
  });

  it("a corrupt journal or one of a newer format is refused with a clear code, and nothing is rewritten", () => {
    const { reg, file } = open();
    reg.register({ threadId: "bad", directive: "d", status: "running" });
    reg.register({ threadId: "new", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "bad");
    j.begin({ seq: 1, kind: "clock", request: null });
    j.end({ seq: 1, kind: "clock", request: null }, { ok: true, result: 1 });
    reg.beginStep("new", {
      seq: 1,
      format: JOURNAL_FORMAT_VERSION + 1,
      kind: "clock",
      request: "null",
      requestHash: "h",
    });
    const raw = rawDatabase(file);
    // A damaged outcome (the trigger guards against rewrites, so drop it to damage the row on purpose).
    raw.exec("DROP TRIGGER thread_steps_outcome_once");
    raw.exec("UPDATE thread_steps SET outcome = '{not json' WHERE thread_id = 'bad'");
    raw.close();
    const before = JSON.stringify(reg.steps("bad"));
    const corrupt = codeOf(() => ThreadJournal.open(reg, "bad"));
    expect(corrupt.code).toBe("JOURNAL_CORRUPT");
    expect(corrupt.message).toContain("outcome is not JSON");
    expect(JSON.stringify(reg.steps("bad"))).toBe(before);
    const newer = codeOf(() => ThreadJournal.open(reg, "new"));
    expect(newer).toMatchObject({ code: "JOURNAL_VERSION", context: { found: 2, supported: 1 } });
  });

  it("the journal is append-only: an outcome is written once and steps are never deleted", () => {
    const { reg, file } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "t1");
    j.begin({ seq: 1, kind: "clock", request: null });
    j.end({ seq: 1, kind: "clock", request: null }, { ok: true, result: 5 });
    expect(codeOf(() => reg.endStep("t1", 1, '{"ok":true,"result":6}')).code).toBe("JOURNAL_CORRUPT");
    const raw = rawDatabase(file);
    try {
      expect(() => raw.exec("UPDATE thread_steps SET outcome = 'x'")).toThrow(/written once/);
      expect(() => raw.exec("DELETE FROM thread_steps")).toThrow(/cannot be deleted/);
    } finally {
      raw.close();
    }
  });

  it("export includes the journal (redacted when asked)", () => {
    const { reg } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    const j = ThreadJournal.open(reg, "t1");
    j.begin({ seq: 1, kind: "tool", request: { tool: "x" } });
    j.end({ seq: 1, kind: "tool", request: {} }, { ok: true, result: { data: "the secret sk-123" } });
    const out = exportRegistry(reg, { threadId: "t1", redact: (t) => t.replaceAll("sk-123", "[REDACTED]") });
    expect(out.journal_format_version).toBe(JOURNAL_FORMAT_VERSION);
    expect(out.steps).toMatchObject([
      {
        thread_id: "t1",
        seq: 1,
        kind: "tool",
        request: { tool: "x" },
        outcome: { ok: true, result: { data: "the secret [REDACTED]" } },
      },
    ]);
  });
});

describe("registry schema version 2", () => {
  it("migrates a version 1 file in place: rows, events and references kept, 'interrupted' allowed", () => {
    const { file, cleanup } = tempRegistry();
    cleanups.push(cleanup);
    // A registry as version 1 wrote it.
    const first = ThreadRegistry.open(file);
    first.close();
    const raw = rawDatabase(file);
    raw.exec(
      "DROP TABLE thread_leases; DROP TABLE thread_steps; DROP TABLE threads; DROP TABLE thread_events; DROP TABLE checkpoints; DROP TABLE thread_controls;",
    );
    raw.exec(MIGRATIONS[0]!.sql);
    raw.pragma("user_version = 1");
    raw.exec(
      "INSERT INTO threads (thread_id, directive, status, pid, created_at, updated_at) VALUES ('old', 'd', 'orphaned', 1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
    );
    raw.exec(
      "INSERT INTO thread_events (thread_id, seq, ts, type, data) VALUES ('old', 1, '2025-01-01T00:00:00.000Z', 'spawned', '{}')",
    );
    raw.close();
    const reg = ThreadRegistry.open(file);
    cleanups.push(() => reg.close());
    expect(reg.schemaVersion).toBe(REGISTRY_SCHEMA_VERSION);
    expect(reg.get("old")).toMatchObject({ status: "orphaned", directive: "d" });
    expect(reg.getEvents("old").map((e) => e.type)).toEqual(["spawned"]);
    reg.register({ threadId: "new", directive: "d", status: "running", pid: 999_999_991 });
    expect(reg.markInterrupted(() => false)).toEqual(["new"]);
    expect(reg.get("new")?.status).toBe("interrupted");
    const check = rawDatabase(file, { readonly: true });
    try {
      expect(check.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
    } finally {
      check.close();
    }
  });
});

describe("ThreadRegistry owner lease and claim", () => {
  it("records pid and boot id; a dead owner on this boot is recognised at once", () => {
    const { reg } = open();
    reg.register({ threadId: "mine", directive: "d", status: "running" });
    expect(reg.owner("mine")).toMatchObject({ pid: process.pid, owner_boot_id: BOOT_ID });
    reg.register({ threadId: "t", directive: "d", status: "running", pid: 999_999_991 });
    expect(codeOf(() => reg.claim("t", { isAlive: () => true })).code).toBe("THREAD_OWNED");
    const row = reg.claim("t", { isAlive: () => false });
    expect(row).toMatchObject({ status: "running", pid: process.pid });
    expect(reg.getEvents("t").map((e) => e.type)).toEqual(["interrupted"]);
    // Now owned by this process: a second claim loses.
    expect(codeOf(() => reg.claim("t")).code).toBe("THREAD_OWNED");
    reg.updateStatus("t", "completed", { reason: "end_turn" });
    expect(codeOf(() => reg.claim("t")).code).toBe("THREAD_FINISHED");
    expect(codeOf(() => reg.claim("nope")).code).toBe("ITEM_NOT_FOUND");
  });

  it("an owner on another boot or host is gone once its heartbeat is older than the lease", () => {
    const { reg, file } = open();
    reg.register({ threadId: "far", directive: "d", status: "running", pid: 4242 });
    const raw = rawDatabase(file);
    raw.exec(
      `UPDATE threads SET owner_boot_id = 'another-boot', heartbeat_at = '${new Date().toISOString()}' WHERE thread_id = 'far'`,
    );
    raw.close();
    expect(reg.markInterrupted(() => false)).toEqual([]);
    expect(reg.markInterrupted(() => false, { leaseMs: -1 })).toEqual(["far"]);
  });

  it("heartbeat renews the lease of this process's threads only", () => {
    const { reg } = open();
    reg.register({ threadId: "mine", directive: "d", status: "running" });
    reg.register({ threadId: "theirs", directive: "d", status: "running", pid: 4242 });
    const before = reg.owner("theirs")?.heartbeat_at;
    reg.heartbeat(["mine", "theirs"]);
    expect(reg.owner("mine")?.heartbeat_at).toEqual(expect.any(String));
    expect(reg.owner("theirs")?.heartbeat_at).toBe(before);
  });

  it("a thread parked for a person's decision has no owner and is not taken for interrupted", () => {
    const { reg } = open();
    reg.register({ threadId: "t", directive: "d", status: "running" });
    reg.park("t", "needs_reconciliation");
    expect(reg.get("t")).toMatchObject({ status: "paused", reason: "needs_reconciliation", pid: null });
    expect(reg.markInterrupted(() => false)).toEqual([]);
    expect(reg.claim("t")).toMatchObject({ status: "running", pid: process.pid });
  });
});
