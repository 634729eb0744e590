import { ThreadJournal } from "@kiwi/threads";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "./postgres-thread-store";
import { createTestDatabase } from "./test-support/test-database";

// ThreadJournal of @kiwi/threads on PostgreSQL: an effect step's intent is committed before `begin`
// resolves, read steps answer synchronously with their rows queued in order, and every write carries the
// owner's lease token — once another owner took the thread, the journal fails with LEASE_LOST (reported
// once) and writes nothing more.
const db = await createTestDatabase("journal_on_store");
afterAll(() => db?.drop());

describe.skipIf(!db)("ThreadJournal on PostgresThreadStore", () => {
  it("commits intents before effects, queues read steps in order, and stops at a superseded lease", async () => {
    const store = await PostgresThreadStore.open({ url: db!.url });
    try {
      await store.register({ threadId: "j1", directive: "d", status: "running" });
      let lease = await store.acquireLease("j1", { owner: "a", ttlMs: 60_000 });
      const failures: unknown[] = [];
      const journal = ThreadJournal.fresh(store, "j1", {
        fence: () => ({ token: lease.token }),
        onWriteError: (e) => failures.push(e),
      });
      await journal.recordStart({ directive: "d" });

      // A read step: answered at once, written with its outcome later (before the next effect's intent).
      const clock = { seq: 1, kind: "clock", request: null };
      expect(journal.begin(clock)).toBeUndefined();
      const clockEnd = journal.end(clock, { ok: true, result: "2026-01-01T00:00:00Z" });

      const tool = { seq: 2, kind: "tool", request: { tool: "x", id: "c1" } };
      const begun = journal.begin(tool);
      expect(begun).toBeInstanceOf(Promise);
      expect(await begun).toBeUndefined();
      // The intent is on the database before the step runs, after the read step's row.
      const rows = await store.steps("j1");
      expect(rows.map((r) => [r.seq, r.kind, r.outcome === null])).toEqual([
        [0, "start", false],
        [1, "clock", false],
        [2, "tool", true],
      ]);
      await clockEnd;
      await journal.end(tool, { ok: true, result: { success: true } });
      expect((await store.steps("j1"))[2]!.outcome).toBe('{"ok":true,"result":{"success":true}}');

      // Another owner takes the thread over (this one's lease released, say it was declared dead).
      await store.releaseLease(lease);
      const successor = await store.acquireLease("j1", { owner: "b", ttlMs: 60_000 });
      expect(successor.token).toBe(lease.token + 1);
      await expect(journal.begin({ seq: 3, kind: "model", request: {} })).rejects.toMatchObject({
        code: "LEASE_LOST",
      });
      expect(failures).toHaveLength(1);
      // Every later step fails with the same error, read steps included; nothing more is written.
      expect(() => journal.begin({ seq: 4, kind: "random", request: null })).toThrow(/lease/i);
      await expect(journal.settled()).rejects.toMatchObject({ code: "LEASE_LOST" });
      expect((await store.steps("j1")).map((r) => r.seq)).toEqual([0, 1, 2]);

      // A journal opened on the store reads what was recorded (a resume hands the tool's result back).
      lease = successor;
      const replay = await ThreadJournal.open(store, "j1", { fence: () => ({ token: lease.token }) });
      expect(replay.start).toEqual({ directive: "d" });
      expect(await replay.begin(tool)).toEqual({ ok: true, result: { success: true } });
    } finally {
      await store.close();
    }
  });
});
