import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// The suite reads stores structurally (like testHarness reads runtimes): `ThreadStore` of @kiwi/threads
// fits StoreUnderTest, and so does any third-party store. The kit never imports @kiwi/threads.

type Awaitable<T> = T | Promise<T>;

/** A thread row as the suite reads it. */
export interface StoreTestThread {
  readonly thread_id: string;
  readonly directive: string;
  readonly parent_id: string | null;
  readonly status: string;
  readonly reason: string | null;
  readonly pid: number | null;
  readonly finished_at: string | null;
  readonly budget: Record<string, unknown> | null;
  readonly usage: Record<string, unknown> | null;
}

export interface StoreTestEvent {
  readonly thread_id: string;
  readonly seq: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface StoreTestStep {
  readonly thread_id: string;
  readonly seq: number;
  readonly kind: string;
  readonly request: string;
  readonly request_hash: string;
  readonly outcome: string | null;
}

export interface StoreTestLease {
  readonly thread_id: string;
  readonly owner: string;
  readonly token: number;
  readonly expires_at: string;
}

export interface StoreTestControl {
  readonly id: number;
  readonly thread_id: string;
  readonly action: string;
  readonly payload: Record<string, unknown>;
}

type Fence = { readonly token: number };

/** The parts of a thread store the suite uses (`ThreadStore` from `@kiwi/threads` fits). */
export interface StoreUnderTest {
  readonly location: string;
  readonly schemaVersion: number;
  register(input: {
    threadId: string;
    directive: string;
    parentId?: string | null;
    status?: never;
    budget?: Record<string, unknown> | null;
    pid?: number | null;
  }): Awaitable<StoreTestThread>;
  get(threadId: string): Awaitable<StoreTestThread | undefined>;
  updateStatus(
    threadId: string,
    status: never,
    options?: { reason?: string; usage?: Record<string, unknown>; fence?: Fence },
  ): Awaitable<StoreTestThread>;
  updateUsage(threadId: string, usage: Record<string, unknown>, fence?: Fence): Awaitable<StoreTestThread>;
  query(filter?: {
    status?: never;
    directive?: string;
    parentId?: string | null;
    limit?: number;
  }): Awaitable<StoreTestThread[]>;
  subtree(threadId: string): Awaitable<StoreTestThread[]>;
  appendEvent(
    threadId: string,
    type: string,
    data: Record<string, unknown>,
    fence?: Fence,
  ): Awaitable<{ seq: number }>;
  getEvents(
    threadId: string,
    query?: { afterSeq?: number; limit?: number; types?: readonly string[] },
  ): Awaitable<StoreTestEvent[]>;
  flush(): Awaitable<void>;
  beginStep(
    threadId: string,
    step: { seq: number; format: number; kind: string; request: string; requestHash: string },
    fence?: Fence,
  ): Awaitable<void>;
  endStep(threadId: string, seq: number, outcome: string, fence?: Fence): Awaitable<void>;
  steps(threadId: string): Awaitable<StoreTestStep[]>;
  owner(threadId: string): Awaitable<{ pid: number | null } | undefined>;
  claim(threadId: string, options?: { isAlive?: (pid: number) => boolean }): Awaitable<StoreTestThread>;
  park(threadId: string, reason: string): Awaitable<StoreTestThread>;
  heartbeat(threadIds: readonly string[]): Awaitable<void>;
  markInterrupted(isAlive?: (pid: number) => boolean): Awaitable<string[]>;
  acquireLease(threadId: string, options: { owner: string; ttlMs: number }): Awaitable<StoreTestLease>;
  renewLease(lease: StoreTestLease, options?: { ttlMs?: number }): Awaitable<StoreTestLease>;
  releaseLease(lease: StoreTestLease): Awaitable<void>;
  lease(threadId: string): Awaitable<StoreTestLease | undefined>;
  requestControl(
    threadId: string,
    action: string,
    payload?: Record<string, unknown>,
  ): Awaitable<{ id: number }>;
  takeControls(threadIds: readonly string[]): Awaitable<StoreTestControl[]>;
  finishControl(
    id: number,
    outcome: { ok: true } | { ok: false; error: { code: string; message: string } },
  ): Awaitable<void>;
  control(
    id: number,
  ): Awaitable<
    (StoreTestControl & { status: string; error: { code: string; message: string } | null }) | undefined
  >;
  saveCheckpoint(
    threadId: string,
    input: { turn: number; state: unknown },
    fence?: Fence,
  ): Awaitable<{ seq: number }>;
  latestCheckpoint(threadId: string): Awaitable<{ seq: number; turn: number; state: unknown } | undefined>;
  snapshot(options?: { threadId?: string }): Awaitable<{
    threads: StoreTestThread[];
    events: StoreTestEvent[];
    steps: StoreTestStep[];
  }>;
  close(): Awaitable<void>;
}

/** Where a store under test may keep its data: a fresh temp folder per test (removed afterwards). */
export interface ThreadStoreTestContext {
  readonly tempDir: string;
  /** A name unique to this test (a database or schema name for a server store). */
  readonly name: string;
}

export interface TestThreadStoreOptions<S extends StoreUnderTest> {
  /**
   * Opens another store on the same data as `store` (another process's or host's view of it). With it,
   * the suite also races two instances: controls, leases, claims and journal outcomes.
   */
  readonly reopen?: (context: ThreadStoreTestContext, store: S) => Awaitable<S>;
  /**
   * True when several instances may append to one thread's event log at once (a server store). The SQLite
   * registry counts seqs in its owner process, so only its owner appends.
   */
  readonly sharedEventLog?: boolean;
  /** Removes what `makeStore` made outside tempDir (a database), after the test's stores are closed. */
  readonly cleanup?: (context: ThreadStoreTestContext) => Awaitable<void>;
  /** Per-test timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
}

export type MakeThreadStore<S extends StoreUnderTest> = (context: ThreadStoreTestContext) => Awaitable<S>;

/** A process id no process has (beyond Linux's pid_max). */
const DEAD_PID = 999_999_991;

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  return "(no error)";
}

/** Calls `fn` as a promise, also when it throws synchronously (the SQLite registry answers synchronously). */
function attempt<T>(fn: () => Awaitable<T>): Promise<T> {
  return Promise.resolve().then(fn);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function step(seq: number, kind = "tool") {
  const request = JSON.stringify({ name: `call_${seq}`, args: { b: 1, a: "é" } });
  return { seq, format: 1, kind, request, requestHash: `hash-${seq}` };
}

/**
 * The thread-store conformance suite: every ThreadStore (the SQLite registry, PostgreSQL, a third party's)
 * runs the same cases against real storage. Call it at the top level of a vitest file.
 */
export function testThreadStore<S extends StoreUnderTest>(
  name: string,
  makeStore: MakeThreadStore<S>,
  options: TestThreadStoreOptions<S> = {},
): void {
  const timeout = options.timeoutMs ?? 30_000;
  let counter = 0;

  describe(`thread store conformance: ${name}`, () => {
    const open: S[] = [];
    const contexts: ThreadStoreTestContext[] = [];

    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((s) => s.close()));
      for (const context of contexts.splice(0)) {
        await options.cleanup?.(context);
        await rm(context.tempDir, { recursive: true, force: true });
      }
    });

    async function setUp(): Promise<{ store: S; context: ThreadStoreTestContext }> {
      const tempDir = await mkdtemp(join(tmpdir(), "kiwi-store-test-"));
      counter += 1;
      const context = { tempDir, name: `kiwi_store_${process.pid}_${counter}` };
      contexts.push(context);
      const store = await makeStore(context);
      open.push(store);
      return { store, context };
    }

    /** A second instance on the same data, or the same one when the store cannot be reopened. */
    async function another(context: ThreadStoreTestContext, store: S): Promise<S> {
      if (!options.reopen) return store;
      const second = await options.reopen(context, store);
      open.push(second);
      return second;
    }

    async function thread(store: S, threadId: string, extra: { parentId?: string; status?: string } = {}) {
      return store.register({
        threadId,
        directive: "test/store",
        ...(extra.parentId ? { parentId: extra.parentId } : {}),
        status: (extra.status ?? "running") as never,
      });
    }

    it("registers, reads, queries and finishes threads", { timeout }, async () => {
      const { store } = await setUp();
      expect(typeof store.location).toBe("string");
      expect(store.schemaVersion).toBeGreaterThan(0);
      const row = await store.register({
        threadId: "root",
        directive: "test/a",
        budget: { max_cost_usd: 1 },
      });
      expect(row).toMatchObject({
        thread_id: "root",
        directive: "test/a",
        status: "spawning",
        parent_id: null,
      });
      expect(row.budget).toEqual({ max_cost_usd: 1 });
      expect(await codeOf(() => store.register({ threadId: "root", directive: "test/a" }))).toBe(
        "THREAD_ID_COLLISION",
      );
      expect(await codeOf(() => store.register({ threadId: "bad id!", directive: "test/a" }))).toBe(
        "INVALID_THREAD_ID",
      );
      await thread(store, "child", { parentId: "root" });
      await thread(store, "grandchild", { parentId: "child" });
      await store.register({ threadId: "other", directive: "test/b" });
      expect(await store.get("nope")).toBeUndefined();
      expect((await store.subtree("root")).map((t) => t.thread_id)).toEqual(["root", "child", "grandchild"]);
      expect((await store.query({ parentId: null })).map((t) => t.thread_id).sort()).toEqual([
        "other",
        "root",
      ]);
      expect((await store.query({ directive: "test/b" })).map((t) => t.thread_id)).toEqual(["other"]);
      expect((await store.query({ status: "running" as never })).map((t) => t.thread_id).sort()).toEqual([
        "child",
        "grandchild",
      ]);
      expect(await store.query({ limit: 2 })).toHaveLength(2);
      expect(await codeOf(() => store.query({ limit: 0 }))).toBe("INVALID_INPUT");

      const used = await store.updateUsage("child", { total_tokens: 12, usd: 0.5 });
      expect(used.usage).toEqual({ total_tokens: 12, usd: 0.5 });
      const done = await store.updateStatus("child", "completed" as never, { reason: "end_turn" });
      expect(done).toMatchObject({ status: "completed", reason: "end_turn" });
      expect(done.finished_at).not.toBeNull();
      expect((await store.updateStatus("child", "completed" as never)).status).toBe("completed");
      expect(await codeOf(() => store.updateStatus("child", "running" as never))).toBe("THREAD_FINISHED");
      expect(await codeOf(() => store.updateStatus("nope", "running" as never))).toBe("ITEM_NOT_FOUND");
      expect(await codeOf(() => store.updateStatus("root", "sleeping" as never))).toBe("INVALID_INPUT");
      expect((await store.get("child"))?.usage).toEqual({ total_tokens: 12, usd: 0.5 });
    });

    it("keeps each thread's events in append order, seq 1, 2, 3… without gaps", { timeout }, async () => {
      const { store } = await setUp();
      for (const id of ["a", "b", "c"]) await thread(store, id);
      for (let i = 0; i < 30; i++) {
        const id = ["a", "b", "c"][i % 3]!;
        const { seq } = await store.appendEvent(id, i % 2 ? "tick" : "tock", { i, text: "ünïcode ✓" });
        expect(seq).toBe(Math.floor(i / 3) + 1);
      }
      const a = await store.getEvents("a");
      expect(a.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(a.map((e) => e.data.i)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
      expect(a[0]).toMatchObject({ thread_id: "a", type: "tock", data: { text: "ünïcode ✓" } });
      expect((await store.getEvents("a", { afterSeq: 8 })).map((e) => e.seq)).toEqual([9, 10]);
      expect((await store.getEvents("a", { afterSeq: 2, limit: 3 })).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect((await store.getEvents("b", { types: ["tick"] })).every((e) => e.type === "tick")).toBe(true);
      expect(await codeOf(() => store.appendEvent("nope", "tick", {}))).toBe("ITEM_NOT_FOUND");
      expect(await codeOf(() => store.getEvents("nope"))).toBe("ITEM_NOT_FOUND");
      expect(await codeOf(() => store.appendEvent("a", "", {}))).toBe("INVALID_INPUT");
    });

    it("gives concurrent appenders distinct seqs with no gaps, each with its own data", {
      timeout,
    }, async () => {
      const { store, context } = await setUp();
      await thread(store, "busy");
      const writers = options.sharedEventLog ? [store, await another(context, store)] : [store];
      const n = 60;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          attempt(() => writers[i % writers.length]!.appendEvent("busy", "tick", { i })),
        ),
      );
      await Promise.all(writers.map((w) => attempt(() => w.flush())));
      const seqs = results.map((r) => r.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      const events = await store.getEvents("busy");
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      for (let i = 0; i < n; i++) expect(events[seqs[i]! - 1]!.data.i).toBe(i);
    });

    it("journals each step's intent before and its outcome once after, text kept exactly", {
      timeout,
    }, async () => {
      const { store } = await setUp();
      await thread(store, "j");
      await store.beginStep("j", step(0, "start"));
      await store.endStep("j", 0, '{"ok":true,"result":{"z":1,"a":2}}');
      await store.beginStep("j", step(1));
      let rows = await store.steps("j");
      expect(rows.map((r) => [r.seq, r.kind, r.outcome])).toEqual([
        [0, "start", '{"ok":true,"result":{"z":1,"a":2}}'],
        [1, "tool", null],
      ]);
      expect(rows[1]).toMatchObject({ request: step(1).request, request_hash: "hash-1" });
      await store.endStep("j", 1, '{"ok":false,"error":{"code":"X","message":"ü"}}');
      expect(await codeOf(() => store.endStep("j", 1, '{"ok":true,"result":2}'))).toBe("JOURNAL_CORRUPT");
      expect(await codeOf(() => store.endStep("j", 7, '{"ok":true,"result":2}'))).toBe("JOURNAL_CORRUPT");
      expect(await codeOf(() => store.beginStep("j", step(1)))).toBe("JOURNAL_CORRUPT");
      rows = await store.steps("j");
      expect(rows[1]!.outcome).toBe('{"ok":false,"error":{"code":"X","message":"ü"}}');
      expect(await store.steps("nope")).toEqual([]);
    });

    it("records exactly one outcome when two writers end a step at once", { timeout }, async () => {
      const { store, context } = await setUp();
      await thread(store, "race");
      await store.beginStep("race", step(1));
      const second = await another(context, store);
      const results = await Promise.allSettled([
        attempt(() => store.endStep("race", 1, '{"ok":true,"result":"first"}')),
        attempt(() => second.endStep("race", 1, '{"ok":true,"result":"second"}')),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(failed.reason.code).toBe("JOURNAL_CORRUPT");
      const winner = results[0]!.status === "fulfilled" ? "first" : "second";
      expect((await store.steps("race"))[0]!.outcome).toBe(`{"ok":true,"result":"${winner}"}`);
    });

    it("leases a thread to one owner at a time, with a larger token each time", { timeout }, async () => {
      const { store } = await setUp();
      await thread(store, "l");
      const a = await store.acquireLease("l", { owner: "worker-a", ttlMs: 60_000 });
      expect(a).toMatchObject({ thread_id: "l", owner: "worker-a" });
      expect(await store.lease("l")).toEqual(a);
      expect(await codeOf(() => store.acquireLease("l", { owner: "worker-b", ttlMs: 60_000 }))).toBe(
        "THREAD_OWNED",
      );
      const renewed = await store.renewLease(a, { ttlMs: 120_000 });
      expect(renewed.token).toBe(a.token);
      expect(Date.parse(renewed.expires_at)).toBeGreaterThan(Date.parse(a.expires_at));
      const again = await store.acquireLease("l", { owner: "worker-a", ttlMs: 60_000 });
      expect(again.token).toBeGreaterThan(a.token);
      expect(await codeOf(() => store.renewLease(a))).toBe("LEASE_LOST");
      await store.releaseLease(again);
      expect(await store.lease("l")).toBeUndefined();
      const b = await store.acquireLease("l", { owner: "worker-b", ttlMs: 60_000 });
      expect(b.token).toBeGreaterThan(again.token);
      await store.releaseLease(again); // already lost: nothing happens
      expect((await store.lease("l"))?.owner).toBe("worker-b");

      expect(await codeOf(() => store.acquireLease("nope", { owner: "w", ttlMs: 1000 }))).toBe(
        "ITEM_NOT_FOUND",
      );
      expect(await codeOf(() => store.acquireLease("l", { owner: "", ttlMs: 1000 }))).toBe("INVALID_INPUT");
      expect(await codeOf(() => store.acquireLease("l", { owner: "w", ttlMs: 0 }))).toBe("INVALID_INPUT");
      await store.updateStatus("l", "completed" as never);
      expect(await codeOf(() => store.acquireLease("l", { owner: "worker-c", ttlMs: 1000 }))).toBe(
        "THREAD_FINISHED",
      );
    });

    it("lets another owner take an expired lease and refuses the stale owner's writes", {
      timeout,
    }, async () => {
      const { store, context } = await setUp();
      await thread(store, "f");
      const stale = await store.acquireLease("f", { owner: "worker-a", ttlMs: 40 });
      const fenceA = { token: stale.token };
      await store.beginStep("f", step(1), fenceA);
      // worker-a stops (SIGSTOP, a partition) past its lease; worker-b, on another instance, takes over.
      await sleep(120);
      const other = await another(context, store);
      const fresh = await other.acquireLease("f", { owner: "worker-b", ttlMs: 60_000 });
      expect(fresh.token).toBeGreaterThan(stale.token);
      const fenceB = { token: fresh.token };
      // The successor sees the step in flight (intent, no result) and records its result.
      expect((await other.steps("f")).map((s) => [s.seq, s.outcome])).toEqual([[1, null]]);
      await other.endStep("f", 1, '{"ok":true,"result":"by b"}', fenceB);
      // worker-a wakes up: nothing it writes under its old token lands.
      expect(await codeOf(() => store.endStep("f", 1, '{"ok":true,"result":"by a"}', fenceA))).toBe(
        "LEASE_LOST",
      );
      expect(await codeOf(() => store.beginStep("f", step(2), fenceA))).toBe("LEASE_LOST");
      expect(
        await codeOf(() =>
          store.updateStatus("f", "completed" as never, { reason: "end_turn", fence: fenceA }),
        ),
      ).toBe("LEASE_LOST");
      expect(await codeOf(() => store.renewLease(stale))).toBe("LEASE_LOST");
      expect((await store.steps("f")).map((s) => [s.seq, s.outcome])).toEqual([
        [1, '{"ok":true,"result":"by b"}'],
      ]);
      expect((await store.get("f"))?.status).toBe("running");
      // The lease holder's writes go through.
      await other.beginStep("f", step(2), fenceB);
      await other.endStep("f", 2, '{"ok":true,"result":2}', fenceB);
      expect((await other.updateStatus("f", "completed" as never, { fence: fenceB })).status).toBe(
        "completed",
      );
    });

    it("refuses a stale owner's events, usage and checkpoints (fenced) and takes the lease holder's", {
      timeout,
    }, async () => {
      const { store, context } = await setUp();
      await thread(store, "g");
      const stale = await store.acquireLease("g", { owner: "worker-a", ttlMs: 40 });
      const fenceA = { token: stale.token };
      // Under its own lease, worker-a's fenced writes land.
      expect((await store.appendEvent("g", "turn", { n: 1 }, fenceA)).seq).toBe(1);
      await store.updateUsage("g", { input_tokens: 10 }, fenceA);
      expect((await store.saveCheckpoint("g", { turn: 1, state: { by: "a" } }, fenceA)).seq).toBe(1);
      await sleep(120);
      const other = await another(context, store);
      const fenceB = { token: (await other.acquireLease("g", { owner: "worker-b", ttlMs: 60_000 })).token };
      await other.appendEvent("g", "resumed", { by: "b" }, fenceB);
      // worker-a wakes up (SIGCONT after SIGSTOP): none of its writes lands, no seq is used up.
      expect(await codeOf(() => store.appendEvent("g", "turn", { n: 2 }, fenceA))).toBe("LEASE_LOST");
      expect(await codeOf(() => store.updateUsage("g", { input_tokens: 99 }, fenceA))).toBe("LEASE_LOST");
      expect(await codeOf(() => store.saveCheckpoint("g", { turn: 2, state: { by: "a" } }, fenceA))).toBe(
        "LEASE_LOST",
      );
      await store.flush();
      expect((await other.getEvents("g")).map((e) => [e.seq, e.type])).toEqual([
        [1, "turn"],
        [2, "resumed"],
      ]);
      expect((await other.get("g"))?.usage).toEqual({ input_tokens: 10 });
      expect((await other.latestCheckpoint("g"))?.state).toEqual({ by: "a" });
      // The holder's fenced writes go through; unfenced writes are not checked (as before fences).
      expect((await other.appendEvent("g", "turn", { n: 3 }, fenceB)).seq).toBe(3);
      await other.updateUsage("g", { input_tokens: 20 }, fenceB);
      expect((await other.saveCheckpoint("g", { turn: 3, state: { by: "b" } }, fenceB)).seq).toBe(2);
      expect((await store.appendEvent("g", "note", {})).seq).toBe(4);
      expect((await other.get("g"))?.usage).toEqual({ input_tokens: 20 });
      // A fence on an unknown thread: ITEM_NOT_FOUND, as without one.
      expect(await codeOf(() => store.appendEvent("nope", "turn", {}, fenceA))).toBe("ITEM_NOT_FOUND");
      expect(await codeOf(() => store.updateUsage("nope", {}, fenceA))).toBe("ITEM_NOT_FOUND");
    });

    it("commits a fenced event before a takeover or not at all (the check and the write are one)", {
      timeout,
    }, async () => {
      const { store, context } = await setUp();
      await thread(store, "h");
      const fenceA = { token: (await store.acquireLease("h", { owner: "worker-a", ttlMs: 150 })).token };
      // worker-a appends as fast as it can until it is refused; worker-b takes over meanwhile.
      let refused = "";
      let landed = 0;
      let stop = false;
      const writer = (async () => {
        while (!refused && !stop) {
          try {
            await attempt(() => store.appendEvent("h", "tick", { n: landed + 1 }, fenceA));
            landed += 1;
          } catch (error) {
            refused = (error as { code?: string }).code ?? String(error);
          }
          await sleep(1);
        }
      })();
      const other = await another(context, store);
      let taken: StoreTestLease | undefined;
      while (!taken) {
        await sleep(20);
        taken = await attempt(() => other.acquireLease("h", { owner: "worker-b", ttlMs: 60_000 })).catch(
          () => undefined,
        );
      }
      await store.flush();
      const atTakeover = (await other.getEvents("h")).length;
      // Its next write is refused (given 2 s to get there).
      setTimeout(() => {
        stop = true;
      }, 2000);
      await writer;
      expect(refused).toBe("LEASE_LOST");
      await store.flush();
      const events = await other.getEvents("h");
      // Nothing of worker-a's landed after worker-b took the lease, and every seq is there once.
      expect(events).toHaveLength(atTakeover);
      expect(events).toHaveLength(landed);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: landed }, (_, i) => i + 1));
    });

    it("gives a contested lease to exactly one of several owners", { timeout }, async () => {
      const { store, context } = await setUp();
      await thread(store, "c");
      const second = await another(context, store);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          attempt(() => (i % 2 ? second : store).acquireLease("c", { owner: `worker-${i}`, ttlMs: 60_000 })),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason.code).toBe("THREAD_OWNED");
      }
      expect((await store.lease("c"))?.owner).toBe(
        (won[0] as PromiseFulfilledResult<StoreTestLease>).value.owner,
      );
    });

    it("marks threads of a dead owner interrupted and lets exactly one claimer resume them", {
      timeout,
    }, async () => {
      const { store, context } = await setUp();
      await store.register({ threadId: "mine", directive: "test/store", status: "running" as never });
      await store.register({
        threadId: "dead",
        directive: "test/store",
        status: "running" as never,
        pid: DEAD_PID,
      });
      expect((await store.owner("mine"))?.pid).toBe(process.pid);
      expect(await store.markInterrupted((pid) => pid !== DEAD_PID)).toEqual(["dead"]);
      expect((await store.get("dead"))?.status).toBe("interrupted");
      expect((await store.getEvents("dead")).map((e) => e.type)).toEqual(["interrupted"]);
      const second = await another(context, store);
      const claims = await Promise.allSettled([
        attempt(() => store.claim("dead")),
        attempt(() => second.claim("dead")),
      ]);
      expect(claims.filter((c) => c.status === "fulfilled")).toHaveLength(1);
      const lost = claims.find((c) => c.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason.code).toBe("THREAD_OWNED");
      expect(await store.get("dead")).toMatchObject({ status: "running", pid: process.pid });
      await store.heartbeat(["dead", "mine"]);
      const parked = await store.park("dead", "needs_reconciliation");
      expect(parked).toMatchObject({ status: "paused", reason: "needs_reconciliation", pid: null });
      expect(await store.markInterrupted(() => false)).toEqual([]);
      expect((await store.claim("dead")).status).toBe("running");
      await store.updateStatus("dead", "completed" as never);
      expect(await codeOf(() => store.claim("dead"))).toBe("THREAD_FINISHED");
      expect(await codeOf(() => store.claim("nope"))).toBe("ITEM_NOT_FOUND");
    });

    it("delivers each control request once and reports how applying it ended", { timeout }, async () => {
      const { store, context } = await setUp();
      await thread(store, "x");
      await thread(store, "y");
      expect(await codeOf(() => store.requestControl("nope", "pause"))).toBe("ITEM_NOT_FOUND");
      const p = await store.requestControl("x", "pause");
      const i = await store.requestControl("x", "inject", { message: "hello" });
      const k = await store.requestControl("y", "kill");
      expect((await store.control(p.id))?.status).toBe("pending");
      const taken = await store.takeControls(["x"]);
      expect(taken.map((c) => [c.id, c.action, c.payload])).toEqual([
        [p.id, "pause", {}],
        [i.id, "inject", { message: "hello" }],
      ]);
      expect(await store.takeControls(["x"])).toEqual([]);
      expect((await store.control(p.id))?.status).toBe("taken");
      await store.finishControl(p.id, { ok: true });
      await store.finishControl(i.id, { ok: false, error: { code: "THREAD_NOT_RUNNING", message: "gone" } });
      expect(await store.control(p.id)).toMatchObject({ status: "done", error: null });
      expect(await store.control(i.id)).toMatchObject({
        status: "failed",
        error: { code: "THREAD_NOT_RUNNING", message: "gone" },
      });
      expect(await codeOf(() => store.finishControl(p.id, { ok: true }))).toBe("INVALID_INPUT");
      expect(await codeOf(() => store.finishControl(k.id, { ok: true }))).toBe("INVALID_INPUT");
      expect(await codeOf(() => store.finishControl(987_654, { ok: true }))).toBe("ITEM_NOT_FOUND");
      expect(await store.control(987_654)).toBeUndefined();

      // Two takers at once (two hosts polling): every request reaches exactly one of them.
      const second = await another(context, store);
      const ids: number[] = [];
      for (let n = 0; n < 20; n++)
        ids.push((await store.requestControl(n % 2 ? "x" : "y", "inject", { n })).id);
      const [one, two] = await Promise.all([
        attempt(() => store.takeControls(["x", "y"])),
        attempt(() => second.takeControls(["x", "y"])),
      ]);
      const got = [...one, ...two].map((c) => c.id).sort((a, b) => a - b);
      expect(got).toEqual([k.id, ...ids].sort((a, b) => a - b));
      for (const batch of [one, two]) {
        expect(batch.map((c) => c.id)).toEqual([...batch.map((c) => c.id)].sort((a, b) => a - b));
      }
    });

    it("saves checkpoints, snapshots subtrees and shows what one instance wrote to another", {
      timeout,
    }, async () => {
      const { store, context } = await setUp();
      await thread(store, "p");
      await thread(store, "q", { parentId: "p" });
      await thread(store, "r");
      expect(await store.latestCheckpoint("p")).toBeUndefined();
      await store.saveCheckpoint("p", { turn: 1, state: { messages: ["a"] } });
      const second = await store.saveCheckpoint("p", { turn: 2, state: { messages: ["a", "b"] } });
      expect(await store.latestCheckpoint("p")).toMatchObject({
        seq: second.seq,
        turn: 2,
        state: { messages: ["a", "b"] },
      });
      expect(await codeOf(() => store.saveCheckpoint("nope", { turn: 1, state: {} }))).toBe("ITEM_NOT_FOUND");
      await store.appendEvent("q", "tick", { n: 1 });
      await store.appendEvent("r", "tick", { n: 2 });
      await store.beginStep("q", step(1));
      const snap = await store.snapshot({ threadId: "p" });
      expect(snap.threads.map((t) => t.thread_id)).toEqual(["p", "q"]);
      expect(snap.events.map((e) => [e.thread_id, e.seq])).toEqual([["q", 1]]);
      expect(snap.steps.map((s) => [s.thread_id, s.seq])).toEqual([["q", 1]]);
      expect((await store.snapshot()).threads).toHaveLength(3);
      await store.flush();
      const reader = await another(context, store);
      expect((await reader.get("q"))?.parent_id).toBe("p");
      expect((await reader.getEvents("r")).map((e) => e.data)).toEqual([{ n: 2 }]);
      expect((await reader.steps("q")).map((s) => s.seq)).toEqual([1]);
      await store.close();
      await store.close(); // a second close does nothing
    });
  });
}
