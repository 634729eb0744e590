// Journal writes carry the queued events and usage: a step row is committed at once anyway, so what is
// queued rides in its transaction instead of costing one of its own; a failure of the queued part never
// fails the step.
import { afterEach, describe, expect, it } from "vitest";
import { rawDatabase, tempRegistry } from "./test-fixtures/helpers";
import { ThreadRegistry } from "./thread-registry";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      // a registry a test closed itself
    }
  }
  cleanups = [];
});

function open(onError?: (err: unknown) => void): { reg: ThreadRegistry; file: string } {
  const t = tempRegistry();
  const reg = ThreadRegistry.open(t.file, onError ? { onError } : {});
  cleanups.push(t.cleanup, () => reg.close());
  return { reg, file: t.file };
}

/** What another connection sees: the thread's event types, its usage and its step rows. */
function onDisk(file: string, id: string) {
  const db = rawDatabase(file, { readonly: true });
  try {
    const events = db.prepare("SELECT type FROM thread_events WHERE thread_id = ? ORDER BY seq").all(id) as {
      type: string;
    }[];
    const usage = (
      db.prepare("SELECT usage FROM threads WHERE thread_id = ?").get(id) as { usage: string | null }
    ).usage;
    const steps = db
      .prepare("SELECT seq, outcome FROM thread_steps WHERE thread_id = ? ORDER BY seq")
      .all(id) as { seq: number; outcome: string | null }[];
    return { events: events.map((e) => e.type), usage: usage && JSON.parse(usage), steps };
  } finally {
    db.close();
  }
}

const step = (seq: number) => ({ seq, format: 1, kind: "tool", request: "{}", requestHash: `h${seq}` });

describe("journal writes and the event queue", () => {
  it("a step's intent and outcome commit the events and usage queued before them, in the same transaction", () => {
    const { reg, file } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    reg.register({ threadId: "t2", directive: "d", status: "running" });
    reg.appendEvent("t1", "turn_start", { turn: 1 });
    reg.appendEvent("t2", "turn_start", { turn: 1 });
    reg.queueUsage("t1", { input_tokens: 3 });
    // Queued, not committed: another connection sees nothing yet.
    expect(onDisk(file, "t1")).toMatchObject({ events: [], usage: null });
    reg.beginStep("t1", step(1));
    // Synchronously, without a setImmediate or a flush: the step and everything queued before it.
    expect(onDisk(file, "t1")).toEqual({
      events: ["turn_start"],
      usage: { input_tokens: 3 },
      steps: [{ seq: 1, outcome: null }],
    });
    // Other threads' queued rows ride along too (one transaction for the whole queue).
    expect(onDisk(file, "t2").events).toEqual(["turn_start"]);
    reg.appendEvent("t1", "tool_result", { ok: true });
    reg.endStep("t1", 1, '{"ok":true,"result":null}');
    expect(onDisk(file, "t1")).toMatchObject({
      events: ["turn_start", "tool_result"],
      steps: [{ seq: 1, outcome: '{"ok":true,"result":null}' }],
    });
    // Read back in order through the registry, nothing written twice.
    expect(reg.getEvents("t1").map((e) => [e.seq, e.type])).toEqual([
      [1, "turn_start"],
      [2, "tool_result"],
    ]);
  });

  it("queued rows that cannot be written do not fail the step: it is written alone, they stay queued", async () => {
    const failures: unknown[] = [];
    const { reg, file } = open((err) => failures.push(err));
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    reg.appendEvent("t1", "turn_start", { turn: 1 }); // seq 1, queued
    // Another process wrote seq 1 of t1 meanwhile: the queued row now breaks the events' primary key.
    const other = rawDatabase(file);
    other
      .prepare(
        "INSERT INTO thread_events (thread_id, seq, ts, type, data) VALUES ('t1', 1, 'x', 'warning', '{}')",
      )
      .run();
    other.close();
    reg.beginStep("t1", step(1));
    reg.endStep("t1", 1, '{"ok":true,"result":1}');
    expect(onDisk(file, "t1")).toMatchObject({
      events: ["warning"],
      steps: [{ seq: 1, outcome: '{"ok":true,"result":1}' }],
    });
    // The queued row is still there for the background writer, which reports it failed.
    await new Promise((r) => setImmediate(r));
    expect(failures.length).toBeGreaterThan(0);
    // And close says they could not be written (as it did before journal writes took rows along).
    expect(() => reg.close()).toThrow(/could not write 1 queued thread event/);
  });

  it("a journal write refused for its own reason fails as before and leaves the queue to its writer", async () => {
    const { reg, file } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    reg.appendEvent("t1", "turn_start", { turn: 1 });
    expect(() => reg.endStep("t1", 7, '{"ok":true,"result":null}')).toThrow(/no intent to end/);
    reg.beginStep("t1", step(1));
    expect(() => reg.beginStep("t1", step(1))).toThrow(expect.objectContaining({ code: "JOURNAL_CORRUPT" }));
    await new Promise((r) => setImmediate(r));
    expect(onDisk(file, "t1").events).toEqual(["turn_start"]);
  });
});
