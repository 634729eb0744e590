import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "../postgres-thread-store";
import { createTestDatabase } from "../test-support/test-database";

// Real worker processes on one database: a worker dies (SIGKILL) or stops (SIGSTOP) holding a thread in
// the middle of step 2; another worker takes the thread over once the lease has expired.
const db = await createTestDatabase("takeover");
const WORKER = fileURLToPath(new URL("../test-fixtures/engine-worker.ts", import.meta.url));
const LEASE_MS = 1500;
let store: PostgresThreadStore | undefined;
let dir = "";
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (db) store = await PostgresThreadStore.open({ url: db.url });
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

interface Worker {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
}

function worker(name: string, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    env: {
      ...process.env,
      KIWI_TEST_URL: db!.url,
      WORKER: name,
      DIR: dir,
      LEASE_MS: String(LEASE_MS),
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const events: Record<string, unknown>[] = [];
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      events.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      buffer = buffer.slice(nl + 1);
    }
  });
  return { child, events };
}

async function until<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const lines = () => (existsSync(join(dir, "lines.txt")) ? readFileSync(join(dir, "lines.txt"), "utf8") : "");

/** Waits until the thread's step 2 has its intent and no result: its worker is inside the step. */
async function inStepTwo(threadId: string): Promise<void> {
  await until(
    () => store!.steps(threadId),
    (steps) => steps.length === 2 && steps[1]!.outcome === null,
  );
}

async function dbosStatus(threadId: string): Promise<{ status: string; executor_id: string }> {
  const client = new pg.Client({ connectionString: db!.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT status, executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1",
      [threadId],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

describe.skipIf(!db)("a dead worker's threads are taken over", () => {
  it("SIGKILL mid-step: an idempotent step runs again on the other worker, every line exactly once", async () => {
    dir = await mkdtemp(join(tmpdir(), "kiwi-takeover-"));
    const a = worker("worker-a", { SUBMIT: "k1", IDEMPOTENT: "1" });
    await inStepTwo("k1");
    a.child.kill("SIGKILL");
    writeFileSync(join(dir, "go-worker-b"), "");
    const b = worker("worker-b", { TAKEOVER: "1" });
    const row = await until(
      () => store!.get("k1"),
      (r) => r?.status === "completed",
    );
    expect(row?.status).toBe("completed");
    expect(lines()).toBe("k1:1\nk1:2\nk1:3\n");
    const steps = await store!.steps("k1");
    expect(steps.map((s) => JSON.parse(s.outcome!).result)).toEqual([
      { line: 1, by: "worker-a" },
      { line: 2, by: "worker-b" },
      { line: 3, by: "worker-b" },
    ]);
    expect(b.events).toContainEqual(expect.objectContaining({ event: "took_over", ids: ["k1"] }));
    expect(await dbosStatus("k1")).toEqual({ status: "SUCCESS", executor_id: "worker-b" });
  });

  it("SIGKILL mid-step: a step that is not idempotent is parked for a person, not run twice", async () => {
    dir = await mkdtemp(join(tmpdir(), "kiwi-takeover-"));
    const a = worker("worker-a", { SUBMIT: "k2" });
    await inStepTwo("k2");
    a.child.kill("SIGKILL");
    writeFileSync(join(dir, "go-worker-b"), "");
    worker("worker-b", { TAKEOVER: "1" });
    const row = await until(
      () => store!.get("k2"),
      (r) => r?.status === "paused",
    );
    expect(row).toMatchObject({ status: "paused", reason: "needs_reconciliation", pid: null });
    expect(lines()).toBe("k2:1\n");
    const events = await store!.getEvents("k2", { types: ["needs_reconciliation"] });
    expect(events[0]?.data).toMatchObject({ seq: 2, kind: "tool" });
    expect((await store!.steps("k2")).map((s) => s.outcome === null)).toEqual([false, true]);
    // Parked without holding a worker: its workflow is cancelled (resumeWorkflow continues it later).
    expect(
      (
        await until(
          () => dbosStatus("k2"),
          (s) => s.status === "CANCELLED",
        )
      ).status,
    ).toBe("CANCELLED");
  });

  it("SIGSTOP past the lease: the stopped worker, resumed, records nothing over its successor", async () => {
    dir = await mkdtemp(join(tmpdir(), "kiwi-takeover-"));
    const a = worker("worker-a", { SUBMIT: "s1", IDEMPOTENT: "1" });
    await inStepTwo("s1");
    a.child.kill("SIGSTOP");
    writeFileSync(join(dir, "go-worker-b"), "");
    worker("worker-b", { TAKEOVER: "1" });
    await until(
      () => store!.get("s1"),
      (r) => r?.status === "completed",
    );
    const before = await store!.steps("s1");
    // worker-a wakes up: its lease is gone, its step is aborted and its write refused.
    a.child.kill("SIGCONT");
    await until(
      () => a.events,
      (events) => events.some((e) => e.event === "step_error"),
    );
    // Refused by the store's fence (LEASE_LOST) or, when DBOS records first, by its ownership token.
    const refused = a.events.find((e) => e.event === "step_error");
    expect(refused).toMatchObject({ step: 2 });
    expect(["LEASE_LOST", "DBOSWorkflowConflictError"]).toContain(refused?.code);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await store!.steps("s1")).toEqual(before);
    expect(before.map((s) => JSON.parse(s.outcome!).result.by)).toEqual(["worker-a", "worker-b", "worker-b"]);
    expect(lines()).toBe("s1:1\ns1:2\ns1:3\n");
    expect((await store!.get("s1"))?.status).toBe("completed");
    expect(await dbosStatus("s1")).toEqual({ status: "SUCCESS", executor_id: "worker-b" });
  });
});
