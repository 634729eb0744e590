import { afterEach, describe, expect, it } from "vitest";
import { type Child, rawDatabase, spawnChild, tempRegistry } from "./test-fixtures/helpers";
import { ThreadRegistry } from "./thread-registry";

let cleanups: (() => void)[] = [];
let children: Child[] = [];
afterEach(() => {
  for (const c of children)
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  children = [];
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function child(...args: Parameters<typeof spawnChild>): Child {
  const c = spawnChild(...args);
  children.push(c);
  return c;
}

describe("ThreadRegistry across processes", () => {
  it("4 processes creating the file together each append 2,000 events: all 8,000 land, seqs contiguous", async () => {
    const { file, cleanup } = tempRegistry();
    cleanups.push(cleanup);
    const ids = ["proc_a", "proc_b", "proc_c", "proc_d"];
    const procs = ids.map((id) => child("append", file, id, 2000));
    await Promise.all(procs.map((p) => p.waitFor((l) => l === "ready")));
    for (const p of procs) p.proc.stdin!.write("go\n");
    const summaries = await Promise.all(procs.map((p) => p.waitFor((l) => l.startsWith("{"))));
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0, 0]);
    for (const s of summaries) expect(JSON.parse(s).errors).toEqual([]);

    const raw = rawDatabase(file, { readonly: true });
    try {
      expect(raw.prepare("SELECT COUNT(*) AS n FROM thread_events").get()).toEqual({ n: 8000 });
      const perThread = raw
        .prepare(
          "SELECT thread_id, COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM thread_events GROUP BY thread_id ORDER BY thread_id",
        )
        .all();
      expect(perThread).toEqual(ids.map((thread_id) => ({ thread_id, n: 2000, lo: 1, hi: 2000 })));
      const statuses = raw.prepare("SELECT DISTINCT status FROM threads").all();
      expect(statuses).toEqual([{ status: "completed" }]);
    } finally {
      raw.close();
    }
  }, 60_000);

  it("marks the thread of a SIGKILLed owner interrupted and keeps the events it wrote", async () => {
    const { file, cleanup } = tempRegistry();
    cleanups.push(cleanup);
    const holder = child("hold", file, "victim", 25);
    await holder.waitFor((l) => l === "ready");
    const reg = ThreadRegistry.open(file);
    cleanups.push(() => reg.close());
    reg.register({ threadId: "mine", directive: "d", status: "running" });
    const pid = holder.proc.pid!;
    expect(reg.get("victim")).toMatchObject({ status: "running", pid });

    // While the owner lives nothing is interrupted.
    expect(reg.markOrphans()).toEqual([]);
    holder.proc.kill("SIGKILL");
    expect(await holder.exited).toBe("SIGKILL");

    expect(reg.markOrphans()).toEqual(["victim"]);
    expect(reg.get("victim")).toMatchObject({
      status: "interrupted",
      reason: `owner process ${pid} is gone`,
    });
    expect(reg.get("mine")?.status).toBe("running");
    const events = reg.getEvents("victim");
    expect(events).toHaveLength(26);
    expect(events.slice(0, 25).map((e) => (e.data as { i: number }).i)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    expect(events[25]).toMatchObject({ seq: 26, type: "interrupted", data: { pid } });
  }, 60_000);
});

describe("ThreadRegistry under a held write lock", () => {
  it("retries a busy group commit in the background and loses nothing", async () => {
    const { file, cleanup } = tempRegistry();
    cleanups.push(cleanup);
    const errors: unknown[] = [];
    const reg = ThreadRegistry.open(file, { busyTimeoutMs: 20, onError: (e) => errors.push(e) });
    cleanups.push(() => reg.close());
    reg.register({ threadId: "a", directive: "d" });

    const blocker = rawDatabase(file);
    blocker.exec("BEGIN IMMEDIATE");
    for (let i = 1; i <= 5; i++) reg.appendEvent("a", "x", { i });
    await new Promise((r) => setTimeout(r, 60));
    expect(reg.queuedEvents).toBe(5);
    blocker.exec("COMMIT");
    blocker.close();
    await new Promise((r) => setTimeout(r, 600));
    expect(reg.queuedEvents).toBe(0);
    expect(errors).toEqual([]);
    expect(reg.getEvents("a").map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("tells onError when retries run out, keeps the events queued and writes them on the next flush", async () => {
    const { file, cleanup } = tempRegistry();
    cleanups.push(cleanup);
    const errors: { code?: string; retryable?: boolean }[] = [];
    const reg = ThreadRegistry.open(file, {
      busyTimeoutMs: 5,
      onError: (e) => errors.push(e as { code?: string }),
    });
    cleanups.push(() => reg.close());
    reg.register({ threadId: "a", directive: "d" });

    const blocker = rawDatabase(file);
    blocker.exec("BEGIN IMMEDIATE");
    reg.appendEvent("a", "x", { i: 1 });
    reg.appendEvent("a", "x", { i: 2 });
    const deadline = Date.now() + 10_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "REGISTRY_UNAVAILABLE", retryable: true });
    expect(reg.queuedEvents).toBe(2);
    expect(() => reg.flush()).toThrow(/stay queued/);
    expect(reg.queuedEvents).toBe(2);

    blocker.exec("COMMIT");
    blocker.close();
    expect(reg.appendEvent("a", "x", { i: 3 })).toEqual({ seq: 3 });
    reg.flush();
    expect(reg.getEvents("a").map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
  }, 20_000);
});
