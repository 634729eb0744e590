// Resume in place after a crash: a real child process runs a thread whose tool appends to a file through a
// subprocess, is SIGKILLed at a step boundary, and a runtime in this process resumes the same thread id
// from its journal. Every side effect exists once, journaled model turns are not asked again, the
// transcript continues with `resumed`, and usage is not counted twice.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { readTranscript, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { type FixtureChild, fixtureRuntime, spawnFixture } from "./test-support/crash-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { call, createTestProject, firstUserText } from "./test-support/thread-world";
import { createThreadRuntime, type ThreadRuntime, type ThreadRuntimeOptions } from "./thread-runtime";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DIRECTIVE = "resume_worker";
const ROUTES = { tool: "[resume tool]", stream: "[resume stream]", paused: "[resume paused]" } as const;

const bash = (command: string, id: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "bash", parameters: { command } }, id);

function script() {
  return {
    turns: [] as FakeTurn[],
    routes: [
      {
        match: ROUTES.tool,
        turns: [
          bash("echo one >> effects.log", "call_one"),
          // The line is appended, then the call takes a few seconds: the owner dies in between.
          bash("echo two >> effects.log; sleep 3", "call_two"),
          { text: "done after the skipped call" },
        ],
      },
      {
        match: ROUTES.paused,
        turns: [
          // The call takes a second: a pause requested meanwhile holds the thread at the next boundary.
          bash("echo one >> effects.log; sleep 1", "call_one"),
          { text: "done after the pause and the crash" },
        ],
      },
      {
        match: ROUTES.stream,
        turns: [
          bash("echo one >> effects.log", "call_one"),
          // message_start goes out at once; every later SSE event waits five minutes: mid-stream.
          { text: "this answer never finishes streaming", chunk_size: 4, delay_ms: 300_000 },
          { text: "done after the crash" },
        ],
      },
    ],
  };
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function writeDirective(projectRoot: string, description = "Runtime test directive"): Promise<void> {
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: {},
    indexTtlMs: 0,
  });
  const content = threadDirectiveFile({
    name: DIRECTIVE,
    permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="bash"/>
      <execute resource="process" action="exec"/>`,
  }).replace("Runtime test directive resume_worker", description);
  const exists = existsSync(join(projectRoot, ".ai/directives", `${DIRECTIVE}.md`));
  const done = await kernel.execute({
    item_type: "directive",
    action: exists ? "update" : "create",
    item_id: DIRECTIVE,
    parameters: { content },
  });
  if (!done.success) throw new Error(done.error.message);
}

interface Crashed {
  projectRoot: string;
  fake: FakeLlmServer;
  threadId: string;
  effects(): string;
  asked(): number;
  transcript(): TranscriptEvent[];
  runtime(extra?: Partial<ThreadRuntimeOptions>): Promise<ThreadRuntime>;
}

/** Runs one thread in a child process and SIGKILLs it once `killWhen` holds. */
async function crash(route: string, killWhen: (c: Omit<Crashed, "transcript">) => boolean): Promise<Crashed> {
  const projectRoot = await createTestProject();
  cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
  const fake = await createFakeLlmServer({ script: script() });
  cleanups.push(() => fake.close());
  await writeDirective(projectRoot);
  const effectsFile = join(projectRoot, "effects.log");
  const parts = {
    projectRoot,
    fake,
    effects: () => (existsSync(effectsFile) ? readFileSync(effectsFile, "utf8") : ""),
    asked: () => fake.requests.filter((r) => firstUserText(r.body).includes(route)).length,
    async runtime(extra: Partial<ThreadRuntimeOptions> = {}) {
      const runtime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl, extra);
      cleanups.push(() => runtime.close());
      return runtime;
    },
  };
  const child: FixtureChild = spawnFixture(["victim", projectRoot, fake.anthropicBaseUrl, DIRECTIVE, route]);
  cleanups.push(() => child.kill());
  const ready = (await child.waitForJson("ready")) as { thread_id: string };
  await until("the kill point", () => killWhen({ ...parts, threadId: ready.thread_id }));
  await child.kill();
  expect(await child.exited).toBe("SIGKILL");
  const transcript = () =>
    readTranscript(join(projectRoot, ".ai/threads", ready.thread_id, "transcript.jsonl")).events;
  return { ...parts, threadId: ready.thread_id, transcript };
}

/** Usage is not counted twice: the row's totals are the sum of the distinct model calls' usage. */
function expectUsageOnce(runtime: ThreadRuntime, id: string, events: TranscriptEvent[], calls: number) {
  const costs = events.filter((e) => e.type === "cost_update");
  expect(costs).toHaveLength(calls);
  const sum = (key: string) =>
    costs.reduce((n, e) => n + Number((e.turn_usage as Record<string, number>)[key] ?? 0), 0);
  const row = runtime.manager.registry.get(id)!;
  expect(row.usage).toMatchObject({ input_tokens: sum("input_tokens"), output_tokens: sum("output_tokens") });
  expect(costs.at(-1)!.usage).toMatchObject({ output_tokens: sum("output_tokens") });
}

describe("resume in place after the owner is SIGKILLed", () => {
  it("mid-stream, after a tool result: the same thread continues; the tool and the journaled turn are not run or asked again", async () => {
    const c = await crash(ROUTES.stream, (p) => p.effects() === "one\n" && p.asked() === 2);
    const before = c.transcript();
    const runtime = await c.runtime();
    // The new runtime sees at once that the owner (this host, this boot) is dead.
    expect(runtime.manager.registry.get(c.threadId)).toMatchObject({
      status: "interrupted",
      finished_at: null,
    });

    const resumed = await runtime.resume(c.threadId);
    expect(resumed).toMatchObject({ thread_id: c.threadId, status: "resumed" });
    const row = await runtime.manager.wait(c.threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn", pid: process.pid });

    expect(c.effects()).toBe("one\n");
    // Turn 1 came from the journal; turn 2 had no result (cut mid-stream) and was asked again.
    expect(c.asked()).toBe(3);
    const events = c.transcript();
    // The transcript continues: what was there stays, then `resumed`, then only new events.
    expect(events.slice(0, before.length).map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    const after = events.slice(before.length);
    expect(after.find((e) => e.type === "resumed")).toMatchObject({ in_place: true, pid: process.pid });
    expect(events.filter((e) => e.type === "tool_result")).toHaveLength(1);
    expect(events.filter((e) => e.type === "assistant_message").map((e) => e.text)).toEqual([
      "",
      "done after the crash",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "status", status: "completed" });
    expectUsageOnce(runtime, c.threadId, events, 2);

    // A finished thread does not resume.
    await expect(runtime.resume(c.threadId)).rejects.toMatchObject({ code: "THREAD_FINISHED" });
  }, 60_000);

  it("between a tool's intent and its result: the thread parks needs_reconciliation; one of two resumes wins; --skip goes on", async () => {
    const c = await crash(ROUTES.tool, (p) => p.effects() === "one\ntwo\n");
    const runtime = await c.runtime();
    expect(runtime.manager.registry.get(c.threadId)?.status).toBe("interrupted");

    // bash is not idempotent: its effect is unknown, a person decides.
    const parked = await runtime.resume(c.threadId);
    expect(parked).toMatchObject({
      status: "paused",
      reason: "needs_reconciliation",
      tool: "bash",
      call_id: "call_two",
    });
    expect(runtime.manager.registry.get(c.threadId)).toMatchObject({
      status: "paused",
      reason: "needs_reconciliation",
      pid: null,
    });
    expect(c.transcript().some((e) => e.type === "needs_reconciliation" && e.call_id === "call_two")).toBe(
      true,
    );
    expect(c.asked()).toBe(2);

    // Two runtimes resume at once: exactly one wins.
    const other = await c.runtime();
    const results = await Promise.allSettled([
      runtime.resume(c.threadId, { decision: "skip" }),
      other.resume(c.threadId, { decision: "skip" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "THREAD_OWNED" });
    const winner = results[0]!.status === "fulfilled" ? runtime : other;

    const row = await winner.manager.wait(c.threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    // Each line once: the interrupted call was not run again.
    expect(c.effects()).toBe("one\ntwo\n");
    expect(c.asked()).toBe(3);
    const events = c.transcript();
    expect(events.filter((e) => e.type === "resumed")).toHaveLength(1);
    expect(events.filter((e) => e.type === "tool_call").map((e) => e.id)).toEqual(["call_one", "call_two"]);
    expect(events.filter((e) => e.type === "tool_result").map((e) => [e.id, e.error_code ?? null])).toEqual([
      ["call_one", null],
      ["call_two", "STEP_SKIPPED"],
    ]);
    expectUsageOnce(winner, c.threadId, events, 3);
  }, 60_000);

  it("before a model call (held at a turn boundary by a pause): the boundary runs again, the model is asked once", async () => {
    let observer: ThreadRuntime | undefined;
    let opening = false;
    const c = await crash(ROUTES.paused, (p) => {
      if (!opening && p.effects() === "one\n") {
        opening = true;
        // Another process's control, queued in the registry: the owner applies it and holds at turn 2.
        void p.runtime().then((r) => {
          observer = r;
          r.manager.pause(p.threadId);
        });
      }
      return observer?.manager.registry.get(p.threadId)?.status === "paused";
    });
    const runtime = await c.runtime();
    expect(runtime.manager.registry.get(c.threadId)?.status).toBe("interrupted");
    expect(c.asked()).toBe(1);
    await runtime.resume(c.threadId);
    const row = await runtime.manager.wait(c.threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(c.effects()).toBe("one\n");
    expect(c.asked()).toBe(2);
    const events = c.transcript();
    expect(events.filter((e) => e.type === "assistant_message").map((e) => e.text)).toEqual([
      "",
      "done after the pause and the crash",
    ]);
    expectUsageOnce(runtime, c.threadId, events, 2);
  }, 60_000);

  it("two processes resuming the same thread at once: exactly one wins, the other gets THREAD_OWNED", async () => {
    const c = await crash(ROUTES.tool, (p) => p.effects() === "one\ntwo\n");
    const resumers = [0, 1].map(() =>
      spawnFixture(["resumer", c.projectRoot, c.fake.anthropicBaseUrl, c.threadId, "skip"]),
    );
    for (const r of resumers) cleanups.push(() => r.kill());
    await Promise.all(resumers.map((r) => r.waitForJson("ready")));
    for (const r of resumers) r.proc.stdin!.write("go\n");
    const answers = await Promise.all(
      resumers.map((r) => Promise.race([r.waitForJson("resumed"), r.waitForJson("failed")])),
    );
    expect(answers.filter((a) => a.resumed === "resumed")).toHaveLength(1);
    // The other is refused: THREAD_OWNED while the winner runs it, THREAD_FINISHED when a loaded machine
    // let the winner finish its last step before the other even asked.
    expect(answers.filter((a) => a.failed === "THREAD_OWNED" || a.failed === "THREAD_FINISHED")).toHaveLength(
      1,
    );
    const winner = resumers[answers.findIndex((a) => a.resumed === "resumed")]!;
    expect(await winner.waitForJson("done")).toEqual({ done: "completed" });
    expect(c.effects()).toBe("one\ntwo\n");
    expect(c.asked()).toBe(3);
    expect(c.transcript().filter((e) => e.type === "resumed")).toHaveLength(1);
  }, 60_000);

  it("recover resumes every interrupted thread of the project", async () => {
    const c = await crash(ROUTES.stream, (p) => p.effects() === "one\n" && p.asked() === 2);
    const runtime = await c.runtime();
    const recovered = await runtime.recover();
    expect(recovered).toEqual([expect.objectContaining({ thread_id: c.threadId, status: "resumed" })]);
    const row = await runtime.manager.wait(c.threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(c.effects()).toBe("one\n");
    expect(c.asked()).toBe(3);
    expect(await runtime.recover()).toEqual([]);
  }, 60_000);

  it('recover: "auto" resumes the interrupted threads when the runtime opens', async () => {
    const c = await crash(ROUTES.stream, (p) => p.effects() === "one\n" && p.asked() === 2);
    const runtime = await c.runtime({ recover: "auto" });
    expect(runtime.recovered).toEqual([
      expect.objectContaining({ thread_id: c.threadId, status: "resumed" }),
    ]);
    const row = await runtime.manager.wait(c.threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn", pid: process.pid });
    expect(c.effects()).toBe("one\n");
    expect(c.asked()).toBe(3);
    expect(c.transcript().filter((e) => e.type === "resumed")).toHaveLength(1);
    // A second runtime finds nothing left to recover; the default leaves interrupted threads alone.
    const again = await c.runtime({ recover: "auto" });
    expect(again.recovered).toEqual([]);
    expect((await c.runtime()).recovered).toBeUndefined();
  }, 60_000);

  it("recover: anything but auto or manual is refused before anything opens", async () => {
    const projectRoot = await createTestProject();
    cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
    await expect(
      createThreadRuntime({ projectRoot, recover: "always" as never, models: () => ({}) as never }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(existsSync(join(projectRoot, ".ai/threads/registry.db"))).toBe(false);
  });

  it("an edited directive: the replay diverges from the journal and the thread stops with JOURNAL_DIVERGED", async () => {
    const c = await crash(ROUTES.stream, (p) => p.effects() === "one\n" && p.asked() === 2);
    await writeDirective(c.projectRoot, "An edited description");
    const runtime = await c.runtime();
    await runtime.resume(c.threadId);
    const row = await runtime.manager.wait(c.threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "error", reason: "JOURNAL_DIVERGED" });
    expect(c.asked()).toBe(2);
    expect(c.effects()).toBe("one\n");
    const error = c.transcript().find((e) => e.type === "error");
    expect(error).toMatchObject({ code: "JOURNAL_DIVERGED" });
  }, 60_000);
});
