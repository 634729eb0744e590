import { afterAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "./postgres-thread-store";
import { createTestDatabase } from "./test-support/test-database";

// A fenced journal write and a takeover of the same thread race: each write is one statement that locks the
// thread's row before its lease row — the order acquireLease takes them in — so the two never deadlock
// (PostgreSQL would abort one with 40P01) and the write commits before the takeover or is LEASE_LOST.
const db = await createTestDatabase("step_lock_order");
afterAll(() => db?.drop());

describe.skipIf(!db)("journal writes racing a takeover", () => {
  it("never deadlock: each write commits under its lease or is refused LEASE_LOST", async () => {
    const owner = await PostgresThreadStore.open({ url: db!.url });
    const taker = await PostgresThreadStore.open({ url: db!.url });
    try {
      const outcomes = new Map<string, number>();
      for (let round = 0; round < 60; round++) {
        const id = `race_${round}`;
        await owner.register({ threadId: id, directive: "d", status: "running" });
        const lease = await owner.acquireLease(id, { owner: "a", ttlMs: 1 });
        await new Promise((resolve) => setTimeout(resolve, 2)); // expired: anyone may take it
        const fence = { token: lease.token };
        const writes = Array.from({ length: 4 }, async (_, i) => {
          await owner.beginStep(
            id,
            { seq: i + 1, format: 1, kind: "tool", request: "{}", requestHash: "h" },
            fence,
          );
          await owner.endStep(id, i + 1, "{}", fence);
        });
        const results = await Promise.allSettled([
          ...writes,
          taker.acquireLease(id, { owner: "b", ttlMs: 60_000 }),
        ]);
        for (const r of results) {
          const key = r.status === "fulfilled" ? "ok" : String((r.reason as { code?: string }).code);
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
        // The takeover always succeeds (before: now and then 40P01, "deadlock detected").
        const takeover = results.at(-1)!;
        expect(takeover.status === "rejected" ? String(takeover.reason) : "taken").toBe("taken");
      }
      expect(
        [...outcomes.keys()].filter((k) => k !== "ok" && k !== "LEASE_LOST" && k !== "STEP_NOT_OPEN"),
      ).toEqual([]);
    } finally {
      await owner.close();
      await taker.close();
    }
  });
});
