import { afterAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "./postgres-thread-store";
import { createTestDatabase } from "./test-support/test-database";

// withdrawControl: a requester that stops waiting (the owner is gone, or it timed out) takes its request
// back, so no owner applies it later; a request the owner took first stays the owner's.
const db = await createTestDatabase("withdraw");
afterAll(() => db?.drop());

describe.skipIf(!db)("PostgresThreadStore.withdrawControl", () => {
  it("withdraws a pending request once, never one the owner took", async () => {
    const store = await PostgresThreadStore.open({ url: db!.url });
    try {
      await store.register({ threadId: "w1", directive: "d", status: "running" });
      const { id } = await store.requestControl("w1", "pause");
      const gone = { code: "THREAD_NOT_RUNNING", message: "its owner is gone" };
      expect(await store.withdrawControl(id, gone)).toBe(true);
      expect(await store.withdrawControl(id, gone)).toBe(false);
      expect(await store.takeControls(["w1"])).toEqual([]);
      expect(await store.control(id)).toMatchObject({ status: "failed", error: gone });

      const taken = await store.requestControl("w1", "kill");
      expect((await store.takeControls(["w1"])).map((r) => r.id)).toEqual([taken.id]);
      expect(await store.withdrawControl(taken.id, gone)).toBe(false);
      await store.finishControl(taken.id, { ok: true });
      expect(await store.control(taken.id)).toMatchObject({ status: "done", error: null });
    } finally {
      await store.close();
    }
  });
});
