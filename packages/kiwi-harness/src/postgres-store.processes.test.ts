// Managed threads on PostgreSQL (issue 12): the thread runtime over PostgresThreadStore instead of the
// embedded SQLite registry. A directive's thread runs end to end against the fake LLM with its status,
// events, journal, usage and lease in the store; a process SIGKILLed mid-run is resumed in place from
// the store's journal (no tool call twice); controls come from another process through the store's
// controls queue; a child run by another process spends from its parent's budget; a superseded owner's
// writes are fenced (LEASE_LOST) and it records no second result. Real PostgreSQL, a database of its own.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mintToken, TokenVerifier } from "@kiwi/capabilities";
import { createFakeLlmServer, type FakeLlmServer } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { ThreadManager, type ThreadStore } from "@kiwi/threads";
import { PostgresThreadStore } from "@kiwi/threads-postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../threads-postgres/src/test-support/test-database";
import { type FixtureChild, fixtureRuntime, spawnFixture } from "./test-support/crash-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { call, createTestProject, greet } from "./test-support/thread-world";
import type { ThreadRuntime } from "./thread-runtime";

const db = await createTestDatabase("kiwi_harness_store");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await db?.drop();
});

const DIRECTIVE = "pg_worker";
const STORE_CHILD = fileURLToPath(new URL("./test-support/store-child.ts", import.meta.url));
const bash = (command: string, id: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "bash", parameters: { command } }, id);

async function writeDirective(projectRoot: string): Promise<void> {
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: {},
    indexTtlMs: 0,
  });
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: DIRECTIVE,
    parameters: {
      content: threadDirectiveFile({
        name: DIRECTIVE,
        permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="bash"/>
      <execute resource="process" action="exec"/>`,
      }),
    },
  });
  if (!created.success) throw new Error(created.error.message);
}

async function openStore(): Promise<PostgresThreadStore> {
  return PostgresThreadStore.open({ url: db!.url });
}

interface World {
  projectRoot: string;
  fake: FakeLlmServer;
  runtime(extra?: { owner?: string; leaseMs?: number }): Promise<ThreadRuntime>;
  /** A store of the test's own (for reading what the runtimes wrote). */
  store: PostgresThreadStore;
  effects(): string;
}

async function world(script: Parameters<typeof createFakeLlmServer>[0]["script"]): Promise<World> {
  const projectRoot = await createTestProject();
  cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
  const fake = await createFakeLlmServer({ script });
  cleanups.push(() => fake.close());
  await writeDirective(projectRoot);
  const store = await openStore();
  cleanups.push(() => store.close());
  const effectsFile = join(projectRoot, "effects.log");
  return {
    projectRoot,
    fake,
    store,
    effects: () => (existsSync(effectsFile) ? readFileSync(effectsFile, "utf8") : ""),
    async runtime(extra = {}) {
      const runtime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl, {
        store: await openStore(),
        ...extra,
      });
      cleanups.push(() => runtime.close());
      return runtime;
    },
  };
}

/** A fixture process whose runtime runs on this file's database. */
function child(args: readonly string[], env: Record<string, string> = {}): FixtureChild {
  const c = spawnFixture(args, { KIWI_TEST_STORE_URL: db!.url, ...env });
  cleanups.push(() => c.kill());
  return c;
}

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function eventTypes(store: ThreadStore, id: string): Promise<string[]> {
  return (await store.getEvents(id)).map((e) => e.type);
}

describe.skipIf(!db)("managed threads on PostgresThreadStore", () => {
  it("runs a directive's thread end to end: tool calls under its token, events, journal, usage and lease in the store", async () => {
    const w = await world({ turns: [greet("Ada"), { text: "Greeted Ada." }] });
    const runtime = await w.runtime();
    expect(runtime.manager.embedded).toBe(false);
    const spawned = await runtime.spawn({ directive: DIRECTIVE, message: "greet Ada" });
    const result = await spawned.done();
    expect(result).toMatchObject({
      thread_id: spawned.thread_id,
      status: "completed",
      reason: "end_turn",
      final_text: "Greeted Ada.",
      turns: 2,
    });
    expect(result.usage.output_tokens).toBeGreaterThan(0);

    // Another connection (any host) sees the thread, its events in order, its usage and its journal.
    const row = await w.store.get(spawned.thread_id);
    expect(row).toMatchObject({ status: "completed", reason: "end_turn", directive: DIRECTIVE });
    expect(row!.usage).toMatchObject({ output_tokens: result.usage.output_tokens });
    const events = await w.store.getEvents(spawned.thread_id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(["spawned", "status"]);
    expect(types).toEqual(
      expect.arrayContaining(["token_minted", "tool_call", "tool_result", "cost_update"]),
    );
    expect(types.slice(-2)).toEqual(["completed", "status"]);
    expect(events.at(-2)!.data).toMatchObject({ status: "completed", final_text: "Greeted Ada." });
    const call = events.find((e) => e.type === "tool_call")!;
    // Under the thread's own token: the jti of the token the runtime minted for it.
    const minted = events.find((e) => e.type === "token_minted")!;
    expect(call.data).toMatchObject({ target: "greet", grant: "tool.execute:greet", jti: minted.data.jti });
    expect(events.find((e) => e.type === "tool_result")!.data).toMatchObject({ success: true });

    const steps = await w.store.steps(spawned.thread_id);
    expect(steps.map((s) => s.kind)).toEqual([
      "start",
      "system_prompt",
      "turn",
      "model",
      "tool",
      "turn",
      "model",
    ]);
    expect(steps.every((s) => s.outcome !== null)).toBe(true);
    // The tool's result is journaled: a resume hands it back instead of greeting again.
    expect(steps[4]!.outcome).toContain("Ada");
    // Held under a fenced lease while it ran, released once its end was recorded.
    await until(
      "the lease released",
      () => w.store.lease(spawned.thread_id),
      (l) => l === undefined,
    );

    // A runtime on another connection reads its result from the store, and follows its events there.
    const other = await w.runtime();
    expect(await other.manager.done(spawned.thread_id)).toMatchObject({
      status: "completed",
      final_text: "Greeted Ada.",
      turns: 2,
    });
    const followed: { event: string; id?: string }[] = [];
    const sink = {
      specificationVersion: "sink-v1" as const,
      id: "test_sink",
      write: (e: { event: string; id?: string }) => {
        followed.push(e);
      },
      close: async () => {},
    };
    expect(await other.manager.follow(spawned.thread_id, sink)).toBe(events.length);
    expect(followed.map((e) => e.event)).toEqual(types);
    expect(followed.at(-1)!.id).toBe(String(events.length));
    // The last events as thread_control read_transcript shows them, from the store.
    const tail = await other.manager.readEvents(spawned.thread_id, 2);
    expect(tail.events.map((e) => [e.type, e.seq])).toEqual([
      ["completed", events.length - 1],
      ["status", events.length],
    ]);
  }, 60_000);

  it("resumes in place after the owner process is SIGKILLed mid-run: the journal in the store replays, no tool call runs twice", async () => {
    const route = "[pg crash]";
    const w = await world({
      turns: [],
      routes: [
        {
          match: route,
          turns: [
            bash("echo one >> effects.log", "call_one"),
            // message_start goes out at once, every later SSE event waits five minutes: killed mid-stream.
            { text: "this answer never finishes streaming", chunk_size: 4, delay_ms: 300_000 },
            { text: "done after the crash" },
          ],
        },
      ],
    });
    const asked = () => w.fake.requests.filter((r) => JSON.stringify(r.body).includes(route)).length;
    const victim = child(["victim", w.projectRoot, w.fake.anthropicBaseUrl, DIRECTIVE, route], {
      KIWI_TEST_OWNER: "worker-a",
      KIWI_TEST_LEASE_MS: "1500",
    });
    const { thread_id: id } = (await victim.waitForJson("ready")) as { thread_id: string };
    await until(
      "the tool's effect and the second model call",
      () => w.effects() === "one\n" && asked() === 2,
      (v) => v,
    );
    await victim.kill();

    // A runtime opened now (another process, another owner) sees the owner gone: interrupted.
    const runtime = await w.runtime({ owner: "worker-b" });
    expect((await w.store.get(id))?.status).toBe("interrupted");
    // The dead owner's fenced lease holds until it expires; then the resume takes it with a larger token.
    const before = (await w.store.lease(id))!;
    expect(before.owner).toBe("worker-a");
    await until(
      "the dead owner's lease to expire",
      () => Date.parse(before.expires_at) < Date.now(),
      (v) => v,
    );
    const resumed = await runtime.resume(id);
    expect(resumed).toMatchObject({ thread_id: id, status: "resumed" });
    expect(await w.store.lease(id)).toMatchObject({ owner: "worker-b", token: before.token + 1 });
    const result = await (resumed as { done(): Promise<{ status: string; final_text: string }> }).done();
    expect(result).toMatchObject({ status: "completed", final_text: "done after the crash" });

    // The tool ran once; the journaled model turn was not asked again (only the cut one).
    expect(w.effects()).toBe("one\n");
    expect(asked()).toBe(3);
    const types = await eventTypes(w.store, id);
    expect(types.filter((t) => t === "tool_result")).toHaveLength(1);
    expect(types).toContain("resumed");
    expect(types.filter((t) => t === "completed")).toHaveLength(1);
    const steps = await w.store.steps(id);
    expect(steps.filter((s) => s.kind === "tool")).toHaveLength(1);
    expect(steps.every((s) => s.outcome !== null)).toBe(true);
    expect((await w.store.get(id))!.usage).toMatchObject({ output_tokens: expect.any(Number) });
  }, 90_000);

  it("applies pause, inject, resume and terminate queued by another process through the store", async () => {
    const route = "[pg controls]";
    const w = await world({
      turns: [],
      routes: [
        {
          match: route,
          turns: [
            // The call takes a while: the controls arrive meanwhile, the pause holds at the next boundary.
            bash("echo one >> effects.log; sleep 1", "call_one"),
            bash("echo two >> effects.log", "call_two"),
            // Terminated while this call runs: the thread ends before its next model call.
            bash("echo three >> effects.log; sleep 1", "call_three"),
            { text: "never reached: terminated first" },
          ],
        },
      ],
    });
    const owner = child(["victim", w.projectRoot, w.fake.anthropicBaseUrl, DIRECTIVE, route]);
    const { thread_id: id } = (await owner.waitForJson("ready")) as { thread_id: string };
    await until(
      "the first call",
      () => w.effects(),
      (v) => v === "one\n",
    );

    // This process does not run the thread: its controls go through the store's queue to the owner.
    const runtime = await w.runtime();
    const manager = runtime.manager;
    const paused = await manager.control(id, "pause");
    expect(paused).toMatchObject({ thread_id: id, queued: true, request_id: expect.any(Number) });
    expect(await manager.awaitControl(paused.request_id!)).toEqual({ ok: true });
    expect(await manager.wait(id, { statuses: ["paused"], timeoutMs: 20_000 })).toMatchObject({
      status: "paused",
    });
    const injected = await manager.control(id, "inject_message", { message: "a note from another host" });
    expect(await manager.awaitControl(injected.request_id!)).toEqual({ ok: true });
    const resumed = await manager.control(id, "resume");
    expect(await manager.awaitControl(resumed.request_id!)).toEqual({ ok: true });
    await until(
      "the third call",
      () => w.effects(),
      (v) => v === "one\ntwo\nthree\n",
    );
    // The injected message reached the model with the next turn.
    expect(w.fake.requests.some((r) => JSON.stringify(r.body).includes("a note from another host"))).toBe(
      true,
    );
    const terminated = await manager.control(id, "terminate");
    expect(await manager.awaitControl(terminated.request_id!)).toEqual({ ok: true });
    const row = await manager.wait(id, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "terminated" });
    const done = (await owner.waitForJson("done")) as { result: { status: string; reason: string } };
    expect(done.result).toMatchObject({ status: "completed", reason: "terminated" });
    const actions = (await w.store.getEvents(id, { types: ["intervention"] })).map((e) => e.data.action);
    expect(actions).toEqual(["pause", "inject_message", "resume", "terminate"]);
    // An ended thread takes no more controls.
    await expect(manager.control(id, "pause")).rejects.toMatchObject({ code: "THREAD_FINISHED" });
  }, 90_000);

  it("fences a superseded owner: stopped past its lease, its late step result gets LEASE_LOST and it records nothing more", async () => {
    const route = "[pg stale]";
    const w = await world({
      turns: [],
      routes: [
        {
          match: route,
          turns: [
            // The owner is stopped (SIGSTOP) while this call runs; the call itself goes on and ends.
            bash("echo one >> effects.log; sleep 2", "call_one"),
            { text: "finished by the new owner" },
          ],
        },
      ],
    });
    const stale = child(["victim", w.projectRoot, w.fake.anthropicBaseUrl, DIRECTIVE, route], {
      KIWI_TEST_OWNER: "worker-a",
      KIWI_TEST_LEASE_MS: "1500",
    });
    const { thread_id: id } = (await stale.waitForJson("ready")) as { thread_id: string };
    await until(
      "the call in flight",
      () => w.effects(),
      (v) => v === "one\n",
    );
    stale.proc.kill("SIGSTOP");
    cleanups.push(() => {
      stale.proc.kill("SIGCONT");
    });
    const lease = (await w.store.lease(id))!;
    expect(lease.owner).toBe("worker-a");
    await until(
      "the stopped owner's lease to expire",
      () => Date.parse(lease.expires_at) < Date.now(),
      (v) => v,
    );

    // Another owner takes the thread over; the call in flight is not run again (a person chose skip).
    const runtime = await w.runtime({ owner: "worker-b" });
    const resumed = await runtime.resume(id, { decision: "skip" });
    expect(resumed).toMatchObject({ status: "resumed" });
    const result = await (resumed as { done(): Promise<{ status: string; final_text: string }> }).done();
    expect(result).toMatchObject({ status: "completed", final_text: "finished by the new owner" });
    const journal = await w.store.steps(id);
    const tool = journal.find((s) => s.kind === "tool")!;
    expect(tool.outcome).toContain("STEP_SKIPPED");

    // The stopped owner wakes up: its call has ended meanwhile, its result is refused, its run stops.
    stale.proc.kill("SIGCONT");
    const done = (await stale.waitForJson("done")) as { result: { status: string; reason: string } };
    expect(done.result).toMatchObject({ status: "error", reason: "LEASE_LOST" });
    expect(await w.store.steps(id)).toEqual(journal);
    expect((await w.store.get(id))!).toMatchObject({ status: "completed", reason: "end_turn" });
    const types = await eventTypes(w.store, id);
    expect(types.filter((t) => t === "completed")).toHaveLength(1);
    expect(types.at(-1)).toBe("status");
    expect(w.effects()).toBe("one\n");
  }, 90_000);

  it("runs a thread a submission registered under the lease its host holds: the row taken, one token, no second lease", async () => {
    const w = await world({ turns: [greet("Ada"), { text: "Greeted Ada." }] });
    const id = "pg_submitted_1";
    await w.store.register({
      threadId: id,
      directive: DIRECTIVE,
      status: "spawning",
      pid: null,
      permissionContext: { submitted_by: "a test" },
    });
    // The worker's engine took the thread's lease when it dequeued it.
    const lease = await w.store.acquireLease(id, { owner: "worker-a", ttlMs: 20_000 });
    const runtime = await w.runtime({ owner: "worker-a" });
    // Without `registered` the id is taken.
    await expect(runtime.spawn({ directive: DIRECTIVE, threadId: id, lease })).rejects.toMatchObject({
      code: "THREAD_ID_COLLISION",
    });
    const spawned = await runtime.spawn({
      directive: DIRECTIVE,
      message: "greet Ada",
      threadId: id,
      registered: true,
      lease,
    });
    expect(await spawned.done()).toMatchObject({ status: "completed", final_text: "Greeted Ada." });
    const row = (await w.store.get(id))!;
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(row.permission_context).toMatchObject({
      submitted_by: "a test",
      spawned_by: "thread_directive",
    });
    expect(row.budget).not.toBeNull();
    expect((await w.store.steps(id)).map((s) => s.kind)[0]).toBe("start");
    // The host's lease, never released nor replaced by the runtime: still the host's to release.
    expect(await w.store.lease(id)).toMatchObject({ owner: "worker-a", token: lease.token });
    await w.store.releaseLease(lease);
    // A registered spawn of a row that is not waiting for a worker (running, finished, absent) is refused.
    for (const taken of [id, "pg_never_submitted"]) {
      await expect(
        runtime.spawn({ directive: DIRECTIVE, threadId: taken, registered: true }),
      ).rejects.toMatchObject({ code: "THREAD_ID_COLLISION" });
    }
  }, 60_000);

  it("a host's lease taken over by another owner stops the runtime's run: its writes are fenced with that lease's token", async () => {
    const route = "[pg host lease]";
    const w = await world({
      turns: [],
      routes: [
        { match: route, turns: [bash("echo one >> effects.log; sleep 1", "call_one"), { text: "done" }] },
      ],
    });
    const id = "pg_submitted_2";
    await w.store.register({ threadId: id, directive: DIRECTIVE, status: "spawning", pid: null });
    const lease = await w.store.acquireLease(id, { owner: "worker-a", ttlMs: 300 });
    const runtime = await w.runtime({ owner: "worker-a" });
    const spawned = await runtime.spawn({
      directive: DIRECTIVE,
      message: route,
      threadId: id,
      registered: true,
      lease,
    });
    await until(
      "the call in flight",
      () => w.effects(),
      (v) => v === "one\n",
    );
    // Nobody renews the host's lease (the runtime leaves it to its host): another owner takes it.
    await until(
      "the lease to expire",
      () => Date.now() > Date.parse(lease.expires_at) + 50,
      (v) => v,
    );
    const newer = await w.store.acquireLease(id, { owner: "worker-b", ttlMs: 20_000 });
    expect(newer.token).toBeGreaterThan(lease.token);
    const before = await w.store.steps(id);
    const events = await w.store.getEvents(id);
    // The superseded runtime does not know yet: a pause applied there now queues a status change and its
    // event (both refused: fenced with the old token).
    await Promise.resolve(runtime.manager.control(id, "pause")).catch(() => undefined);
    expect(await spawned.done()).toMatchObject({ status: "error", reason: "LEASE_LOST" });
    // The call's late result was refused: the journal holds its intent only, as before.
    expect(await w.store.steps(id)).toEqual(before);
    // And so were its events (the tool's end, the turn's usage…): not one row more after the takeover.
    expect(await w.store.getEvents(id)).toEqual(events);
    expect((await w.store.get(id))!.status).not.toBe("completed");
    expect(await w.store.lease(id)).toMatchObject({ owner: "worker-b", token: newer.token });
  }, 60_000);

  it("a child run by another process spends from its parent's budget: capped by the parent's room, its spend rolls up", async () => {
    const projectRoot = await createTestProject();
    cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
    const keys = generateKeyPairSync("ed25519");
    const key = {
      keyId: "ed25519:parent",
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      publicKeyPem: "",
    };
    const manager = await ThreadManager.open({
      projectRoot,
      store: await openStore(),
      verifier: new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey: key.publicKey }] }),
      secrets: [],
    });
    cleanups.push(() => manager.close());
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanups.push(() => release());
    const usage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 };
    const parent = await manager.spawn({
      threadId: "pg_parent",
      directive: "parent",
      message: "wait",
      budget: { maxTotalTokens: 1_000 },
      auth: (await mintToken({ key, grants: [{ cap: "spawn.thread" }], directiveId: "t", threadId: "x" }))
        .token,
      runner: () => ({
        run: async () => {
          await held;
          return { status: "completed", reason: "end_turn", turns: 0, usage, final_text: "", messages: [] };
        },
      }),
    });
    await manager.wait(parent.thread_id, { statuses: ["running"], timeoutMs: 10_000 });

    const other = spawnFixture([db!.url, projectRoot, "pg_parent", "pg_child", "400"], {}, STORE_CHILD);
    cleanups.push(() => other.kill());
    const done = (await other.waitForJson("done")) as { budget: Record<string, number>; status: string };
    // Capped by the parent's remainder (1,000 tokens), read from the store by the other process.
    expect(done).toMatchObject({ status: "completed", budget: { max_total_tokens: 1_000 } });
    expect(await manager.store.get("pg_child")).toMatchObject({
      parent_id: "pg_parent",
      usage: { input_tokens: 300, output_tokens: 100 },
    });
    // The parent's node (in this process) sees the child's spend from the store.
    const node = manager.budgetOf("pg_parent")!;
    await until(
      "the child's spend in the parent's tree",
      () => node.childrenSpent().tokens,
      (t) => t === 400,
    );
    expect(node.remaining().tokens).toBe(600);
    // A second child, in yet another process, gets only what is left: the first child's spend counted.
    const second = spawnFixture([db!.url, projectRoot, "pg_parent", "pg_child2", "200"], {}, STORE_CHILD);
    cleanups.push(() => second.kill());
    expect(await second.waitForJson("done")).toMatchObject({ budget: { max_total_tokens: 600 } });
    release();
    expect(await parent.done()).toMatchObject({ status: "completed" });
  }, 60_000);
});
