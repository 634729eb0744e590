import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DBOS } from "@dbos-inc/dbos-sdk";
import { KiwiError } from "@kiwi/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../test-support/test-database";
import { DbosThreadEngine, defineThreadBody, ENGINE_APPLICATION_VERSION } from "./dbos-thread-engine";

// The mapping on one worker (this test process): a thread is a DBOS workflow (id = thread id), each
// journal step a DBOS step, a kill is DBOS cancellation reaching the running step's signal.
const db = await createTestDatabase("engine");
let dir = "";
let engine: DbosThreadEngine | undefined;

beforeAll(async () => {
  if (!db) return;
  dir = await mkdtemp(join(tmpdir(), "kiwi-engine-"));
  engine = await DbosThreadEngine.start({ url: db.url, executorId: "worker-test", leaseMs: 2000 });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

defineThreadBody("append", async (ctx, input) => {
  const { count, file } = input as { count: number; file: string };
  for (let i = 1; i <= count; i++) {
    await ctx.step("tool", { line: i }, async () => {
      await writeFile(file, `${ctx.threadId}:${i}\n`, { flag: "a" });
      return { line: i };
    });
  }
  return { lines: count };
});

/** Waits for a person the way a resumed directive does: the thread parked (its event recorded), then NEEDS_RECONCILIATION. */
defineThreadBody("parked", async (ctx, input) => {
  if ((input as { parkFirst?: boolean }).parkFirst) {
    await engine!.store.appendEvent(ctx.threadId, "needs_reconciliation", { seq: 3, tool: "charge_card" });
    await engine!.store.park(ctx.threadId, "needs_reconciliation");
  }
  throw new KiwiError({
    code: "NEEDS_RECONCILIATION",
    message: "a tool call was in flight",
    context: { thread_id: ctx.threadId },
  });
});

/** Set once the hanging step's function runs (its intent is written just before: too early to kill). */
let hanging = false;

defineThreadBody("hang", async (ctx) =>
  ctx.step("tool", { wait: true }, async (signal) => {
    hanging = true;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 30_000);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new Error("aborted by cancellation"));
      });
    });
    return "not cancelled";
  }),
);

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!db)("DbosThreadEngine", () => {
  it("runs a thread as a workflow whose id is the thread id, one DBOS step per journal step", async () => {
    const file = join(dir, "t1.txt");
    await engine!.submit({
      threadId: "t1",
      directive: "test/append",
      body: "append",
      input: { count: 3, file },
    });
    const row = await engine!.wait("t1");
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(readFileSync(file, "utf8")).toBe("t1:1\nt1:2\nt1:3\n");
    const steps = await engine!.store.steps("t1");
    expect(steps.map((s) => [s.seq, s.kind, JSON.parse(s.outcome!).result])).toEqual([
      [1, "tool", { line: 1 }],
      [2, "tool", { line: 2 }],
      [3, "tool", { line: 3 }],
    ]);
    const dbosSteps = await DBOS.listWorkflowSteps("t1");
    expect(dbosSteps?.map((s) => s.name)).toEqual(["kiwi.tool", "kiwi.tool", "kiwi.tool"]);
    const status = await DBOS.getWorkflowStatus("t1");
    expect(status).toMatchObject({ status: "SUCCESS", executorId: "worker-test" });
    expect(status?.applicationVersion).toBe(ENGINE_APPLICATION_VERSION);
    // The lease was released when the thread ended.
    expect(await engine!.store.lease("t1")).toBeUndefined();
  });

  it("queues a registered thread at most once: callers at once, or after it ran, queue nothing more", async () => {
    const file = join(dir, "q1.txt");
    await engine!.store.register({ threadId: "q1", directive: "test/append", status: "spawning", pid: null });
    const request = { threadId: "q1", body: "append", input: { count: 2, file } };
    // Two resumed parents reconciling the same child at once: one insert wins, the other finds it.
    const first = await Promise.all([engine!.enqueue(request), engine!.enqueue(request)]);
    expect(first.sort()).toEqual([false, true]);
    expect(await engine!.wait("q1")).toMatchObject({ status: "completed" });
    // Ended: queueing it again (a different input too) leaves its workflow and its outcome as they are.
    expect(await engine!.enqueue({ ...request, input: { count: 5, file } })).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(readFileSync(file, "utf8")).toBe("q1:1\nq1:2\n");
    expect(await DBOS.getWorkflowStatus("q1")).toMatchObject({ status: "SUCCESS" });
  });

  it("a thread waiting for a person gets one needs_reconciliation event, whoever parked it", async () => {
    for (const [threadId, parkFirst] of [
      ["r1", true],
      ["r2", false],
    ] as const) {
      await engine!.submit({ threadId, directive: "test/parked", body: "parked", input: { parkFirst } });
      const row = await until(
        () => Promise.resolve(engine!.store.get(threadId)),
        (r) => r?.status === "paused",
      );
      expect(row?.reason).toBe("needs_reconciliation");
      // Its workflow is cancelled (no worker slot held while a person decides): nothing is written after.
      await until(
        async () => (await DBOS.getWorkflowStatus(threadId))?.status,
        (s) => s === "CANCELLED",
      );
      const events = await engine!.store.getEvents(threadId);
      expect(
        events.filter((e) => e.type === "needs_reconciliation"),
        threadId,
      ).toHaveLength(1);
    }
  });

  it("is one engine per process: the same settings share it, other settings are refused", async () => {
    const again = await DbosThreadEngine.start({ url: db!.url, executorId: "worker-test" });
    expect(again).toBe(engine);
    await again.stop(); // one reference of two: the engine keeps running
    const err = await DbosThreadEngine.start({ url: db!.url, executorId: "worker-other" }).catch((e) => e);
    expect(err.code).toBe("THREAD_ENGINE_CONFLICT");
    expect(DBOS.isInitialized()).toBe(true);
  });

  it("kills a thread from its DBOS cancellation: the running step's signal fires", async () => {
    await engine!.submit({ threadId: "h1", directive: "test/hang", body: "hang" });
    await until(
      async () => hanging,
      (running) => running,
    );
    const started = Date.now();
    await engine!.kill("h1");
    const row = await until(
      () => Promise.resolve(engine!.store.get("h1")),
      (r) => r?.status === "killed",
    );
    expect(row?.status).toBe("killed");
    expect(Date.now() - started).toBeLessThan(10_000);
    const [step] = await engine!.store.steps("h1");
    expect(JSON.parse(step!.outcome!)).toMatchObject({
      ok: false,
      error: { message: "aborted by cancellation" },
    });
  });
});
