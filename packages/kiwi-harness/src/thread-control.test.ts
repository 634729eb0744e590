import { execFileSync } from "node:child_process";
import { mintToken } from "@kiwi/capabilities";
import type { FakeTurn } from "@kiwi/fake-llm";
import { createWebSocketSink } from "@kiwi/sink-websocket";
import { followTranscript, readTranscript, type StatusChange, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call, greet } from "./test-support/thread-world";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A slow streamed turn: each of its SSE events waits `delay` ms. */
const slow = (turn: FakeTurn, delay = 25): FakeTurn => ({ ...turn, chunk_size: 2, delay_ms: delay });

function transcript(w: RuntimeWorld, id: string): TranscriptEvent[] {
  return readTranscript(w.runtime.manager.transcriptPath(id)).events;
}

function modelRequests(w: RuntimeWorld) {
  return w.fake.requests.filter((r) => r.endpoint === "anthropic");
}

async function start(turns: FakeTurn[], options: { cost?: string; permissions?: string } = {}) {
  world = await runtimeWorld({ script: { turns } });
  await world.directive("steered", threadDirectiveFile({ name: "steered", ...options }));
  const t = await world.runtime.spawn({ directive: "steered", message: "steer me" });
  return { w: world, id: t.thread_id, m: world.runtime.manager };
}

describe("intervention against the fake LLM", () => {
  it("pause waits between turns (no model call while paused); resume carries a message into the next turn", async () => {
    const { w, id, m } = await start([slow(greet("one")), greet("two"), { text: "finished" }]);
    await until("the first model call", () => modelRequests(w).length === 1);
    expect(m.pause(id)).toMatchObject({ thread_id: id });
    await m.wait(id, { statuses: ["paused"], timeoutMs: 10_000 });
    const calls = modelRequests(w).length;
    expect(calls).toBe(1);
    await sleep(200);
    expect(modelRequests(w)).toHaveLength(calls); // held at the turn boundary
    expect(m.resume(id, { message: "supervisor: greet two, then stop" })).toMatchObject({ resumed: true });
    const row = await m.wait(id, { timeoutMs: 10_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(JSON.stringify(modelRequests(w)[1]!.body)).toContain("supervisor: greet two, then stop");
    const ev = transcript(w, id);
    expect(ev.filter((e) => e.type === "intervention").map((e) => e.action)).toEqual(["pause", "resume"]);
    expect(ev.filter((e) => e.type === "status").map((e) => e.status)).toEqual([
      "running",
      "paused",
      "running",
      "completed",
    ]);
    expect(ev.find((e) => e.type === "user_message" && e.injected)?.text).toBe(
      "supervisor: greet two, then stop",
    );
  });

  it("inject_message reaches the model on the next turn without pausing", async () => {
    const { w, id, m } = await start([slow(greet("one")), { text: "ok" }]);
    await until("the first model call", () => modelRequests(w).length === 1);
    expect(m.inject(id, "note from the supervisor")).toEqual({
      thread_id: id,
      queued: false,
      pending_messages: 1,
    });
    await m.wait(id, { timeoutMs: 10_000 });
    expect(JSON.stringify(modelRequests(w)[0]!.body)).not.toContain("note from the supervisor");
    expect(JSON.stringify(modelRequests(w)[1]!.body)).toContain("note from the supervisor");
  });

  it("terminate is graceful: the turn in flight finishes (its tool runs), then the thread ends terminated", async () => {
    const { w, id, m } = await start([slow(greet("last")), greet("never"), { text: "never" }]);
    await until("the first model call", () => modelRequests(w).length === 1);
    expect(m.terminate(id)).toEqual({ thread_id: id, queued: false, status: "terminating" });
    expect(m.registry.get(id)?.status).toBe("terminating");
    const row = await m.wait(id, { timeoutMs: 10_000 });
    expect(row).toMatchObject({ status: "completed", reason: "terminated" });
    expect(modelRequests(w)).toHaveLength(1);
    const ev = transcript(w, id);
    expect(ev.filter((e) => e.type === "tool_result")).toMatchObject([{ name: "execute", success: true }]);
  });

  it("terminate immediate cuts the stream mid-turn: the half-streamed call never runs", async () => {
    const { w, id, m } = await start([slow(greet("cut"), 40), { text: "never" }]);
    await until("the first model call", () => modelRequests(w).length === 1);
    await sleep(100); // part of the stream has arrived
    const t0 = performance.now();
    m.terminate(id, { immediate: true });
    const row = await m.wait(id, { timeoutMs: 10_000 });
    expect(performance.now() - t0).toBeLessThan(2_000); // the full stream would take seconds
    expect(row).toMatchObject({ status: "completed", reason: "terminated" });
    const ev = transcript(w, id);
    expect(ev.filter((e) => e.type === "tool_result")).toHaveLength(0);
    expect(modelRequests(w)).toHaveLength(1);
  });

  it("kill aborts a subprocess in flight and ends the thread killed", async () => {
    const marker = `${30 + Math.floor(Math.random() * 1000) / 1000}`;
    const { w, id, m } = await start(
      [
        call("execute", {
          item_type: "tool",
          action: "run",
          item_id: "bash",
          parameters: { command: `sleep ${marker}` },
        }),
        { text: "never" },
      ],
      {
        permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="bash"/>
      <execute resource="process" action="exec"/>`,
      },
    );
    await until("the sleep to start", () => pids(`sleep ${marker}`).length > 0);
    const t0 = performance.now();
    expect(m.kill(id)).toEqual({ thread_id: id, queued: false, status: "killing" });
    const row = await m.wait(id, { timeoutMs: 10_000 });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(row).toMatchObject({ status: "killed", reason: "killed" });
    await until("the sleep to be gone", () => pids(`sleep ${marker}`).length === 0, 5_000);
    expect(modelRequests(w)).toHaveLength(1);
    // Every control is refused once the thread has ended.
    expect(() => m.pause(id)).toThrow(expect.objectContaining({ code: "THREAD_FINISHED" }));
  });

  it("controls on an unknown thread say so", async () => {
    world = await runtimeWorld({ script: { turns: [] } });
    expect(() => world!.runtime.manager.kill("nope")).toThrow(
      expect.objectContaining({ code: "ITEM_NOT_FOUND" }),
    );
  });
});

describe("budgets that escalate, help signals, checkpoints", () => {
  const escalating =
    "<cost><max_turns>10</max_turns><max_total_tokens>500</max_total_tokens><on_exceeded>escalate</on_exceeded></cost>";

  it("on_exceeded escalate pauses the thread in place; a decision raises the budget and it continues", async () => {
    const { w, id, m } = await start(
      [
        { ...greet("big"), usage: { input_tokens: 400, output_tokens: 200 } },
        { text: "continued after raise" },
      ],
      { cost: escalating },
    );
    const paused = await m.wait(id, { statuses: ["paused"], timeoutMs: 10_000 });
    expect(paused.reason).toBe("escalated");
    expect(modelRequests(w)).toHaveLength(1);
    m.resume(id, { limits: { max_total_tokens: 5_000 } });
    const row = await m.wait(id, { timeoutMs: 10_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    const ev = transcript(w, id);
    expect(ev.find((e) => e.type === "signal")).toMatchObject({
      kind: "escalate",
      reason: "600 of 500 tokens",
    });
    expect(ev.find((e) => e.type === "intervention" && e.action === "resume")?.limits).toEqual({
      max_total_tokens: 5_000,
    });
    expect(ev.filter((e) => e.type === "completed").at(-1)?.final_text).toBe("continued after raise");
  });

  it("a terminate decision ends an escalated thread", async () => {
    const { id, m } = await start(
      [{ ...greet("big"), usage: { input_tokens: 400, output_tokens: 200 } }, { text: "never" }],
      { cost: escalating },
    );
    await m.wait(id, { statuses: ["paused"], timeoutMs: 10_000 });
    m.terminate(id);
    expect(await m.wait(id, { timeoutMs: 10_000 })).toMatchObject({ status: "completed" });
    expect(transcript(world!, id).find((e) => e.type === "budget_exceeded")?.message).toBe(
      "Budget exceeded: 600 of 500 tokens used",
    );
  });

  it("help(stuck) is recorded and pauses an escalating thread until a supervisor decides", async () => {
    const { w, id, m } = await start(
      [call("help", { action: "stuck", reason: "cannot find the file" }), { text: "unstuck" }],
      { cost: escalating },
    );
    const paused = await m.wait(id, { statuses: ["paused"], timeoutMs: 10_000 });
    expect(paused.reason).toBe("stuck");
    expect(transcript(w, id).find((e) => e.type === "signal")).toMatchObject({
      kind: "stuck",
      reason: "cannot find the file",
    });
    m.resume(id, { message: "look in docs/" });
    expect(await m.wait(id, { timeoutMs: 10_000 })).toMatchObject({
      status: "completed",
      reason: "end_turn",
    });
    expect(JSON.stringify(modelRequests(w)[1]!.body)).toContain("look in docs/");
  });

  it("help(stuck) on a stop directive is recorded without pausing", async () => {
    const { id, m } = await start([call("help", { action: "stuck", reason: "hmm" }), { text: "went on" }]);
    expect(await m.wait(id, { timeoutMs: 10_000 })).toMatchObject({
      status: "completed",
      reason: "end_turn",
    });
    expect(
      transcript(world!, id)
        .filter((e) => e.type === "status")
        .map((e) => e.status),
    ).toEqual(["running", "completed"]);
  });

  it("help(checkpoint) saves the conversation at the turn's end; a new thread resumes from it", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "first run",
            turns: [
              {
                tool_calls: [
                  { name: "help", arguments: { action: "checkpoint", reason: "greeted Ada" } },
                  ...greet("Ada").tool_calls,
                ],
              },
              { text: "first run ends" },
            ],
          },
        ],
      },
    });
    await world.directive("steered", threadDirectiveFile({ name: "steered" }));
    const m = world.runtime.manager;
    const first = await world.runtime.spawn({ directive: "steered", message: "first run" });
    await m.wait(first.thread_id, { timeoutMs: 10_000 });
    const saved = m.registry.latestCheckpoint(first.thread_id);
    expect(saved).toMatchObject({ seq: 1, turn: 1 });
    const state = saved!.state as { messages: { role: string }[]; turn: number };
    expect(state.messages.map((msg) => msg.role)).toEqual(["user", "assistant", "tool"]);
    expect(transcript(world, first.thread_id).find((e) => e.type === "checkpoint")).toMatchObject({
      turn: 1,
    });

    world.fake.setScript({ turns: [{ text: "resumed and done" }] });
    const again = await world.runtime.spawn({ directive: "steered", resumeFrom: first.thread_id });
    const row = await m.wait(again.thread_id, { timeoutMs: 10_000 });
    expect(row).toMatchObject({ status: "completed", permission_context: { resumed_from: first.thread_id } });
    // The resumed conversation starts where the checkpoint was: the first run's greeting result is in it.
    const body = JSON.stringify(world.fake.requests.at(-1)!.body);
    expect(body).toContain("first run");
    expect(body).toContain("Hello, Ada");
    expect(transcript(world, again.thread_id).find((e) => e.type === "resumed")).toMatchObject({
      turn: 1,
      messages: 3,
    });
    await expect(world.runtime.spawn({ directive: "steered", resumeFrom: "ghost" })).rejects.toMatchObject({
      code: "ITEM_NOT_FOUND",
    });
  });
});

describe("who may control a thread", () => {
  it("its parent and holders of thread.control may; any other thread may not", async () => {
    const { w, id, m } = await start([slow(greet("x")), { text: "done" }]);
    // The thread is on its first (slow) model call: its transcript has more than two events by then.
    await until("the first model call", () => modelRequests(w).length === 1);
    const key = await w.runtime.kernel.signingKey();
    const token = async (threadId: string, grants: { cap: string; scope?: string }[]) =>
      (await mintToken({ key, grants: grants as never, directiveId: "d", threadId })).token;
    m.registry.register({ threadId: "child_of_p", directive: "x", parentId: "p", pid: process.pid });
    const controlTool = { cap: "tool.execute", scope: "thread_control" };
    const run = async (auth: string, threadId: string, thread: string) =>
      w.runtime.kernel.execute(
        {
          item_type: "tool",
          action: "run",
          item_id: "thread_control",
          parameters: { action: "read_transcript", thread_id: thread, last_n: 2 },
        },
        // A thread's direct call of the tool (kiwi.execute is not asked for).
        { meta: { __auth: auth, __thread_id: threadId }, direct: true },
      );
    expect(await run(await token("p", [controlTool]), "p", "child_of_p")).toMatchObject({
      success: false,
      error: { code: "ITEM_NOT_FOUND" }, // allowed; the hand-registered thread has no transcript
    });
    expect(await run(await token("stranger", [controlTool]), "stranger", id)).toMatchObject({
      success: false,
      error: { code: "CAPABILITY_DENIED", reason: "not_parent" },
    });
    const admin = await token("ops", [controlTool, { cap: "thread.control" }]);
    const read = (await run(admin, "ops", id)) as { success: boolean; result: { events: TranscriptEvent[] } };
    expect(read.success).toBe(true);
    expect(read.result.events).toHaveLength(2);
    // Without any token the tool refuses too (it requires nothing, but the control check needs a caller).
    expect(
      await w.runtime.kernel.execute({
        item_type: "tool",
        action: "run",
        item_id: "thread_control",
        parameters: { action: "kill", thread_id: id },
      }),
    ).toMatchObject({ success: false, error: { code: "TOKEN_INVALID" } });
    await m.wait(id, { timeoutMs: 10_000 });
    expect(m.registry.get(id)?.status).toBe("completed");
  });
});

describe("live monitoring", () => {
  it("watch reports every status change; wait times out with TIMEOUT", async () => {
    world = await runtimeWorld({ script: { turns: [slow({ text: "a while" }, 30)] } });
    await world.directive("steered", threadDirectiveFile({ name: "steered" }));
    const changes: StatusChange[] = [];
    const stop = world.runtime.manager.watch((c) => changes.push(c));
    const t = await world.runtime.spawn({ directive: "steered" });
    await expect(world.runtime.manager.wait(t.thread_id, { timeoutMs: 20 })).rejects.toMatchObject({
      code: "TIMEOUT",
    });
    await world.runtime.manager.wait(t.thread_id, { timeoutMs: 10_000 });
    stop();
    expect(changes.map((c) => c.status)).toEqual(["running", "completed"]);
  });

  it("a thread's stream can be followed from its transcript file and through the websocket sink", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    const frames: string[] = [];
    wss.on("connection", (socket) => socket.on("message", (d) => frames.push(d.toString())));
    try {
      world = await runtimeWorld({ script: { turns: [slow(greet("Ada"), 10), { text: "followed" }] } });
      await world.directive("steered", threadDirectiveFile({ name: "steered" }));
      const t = await world.runtime.spawn({ directive: "steered" });
      const { port } = wss.address() as { port: number };
      const sink = createWebSocketSink({ url: `ws://127.0.0.1:${port}/follow` });
      const tail: TranscriptEvent[] = [];
      const ac = new AbortController();
      const [sent] = await Promise.all([
        world.runtime.manager.follow(t.thread_id, sink),
        (async () => {
          for await (const e of followTranscript(world!.runtime.manager.transcriptPath(t.thread_id), {
            signal: ac.signal,
          }))
            tail.push(e);
        })(),
      ]);
      await sink.close();
      const file = transcript(world, t.thread_id);
      // Both followers saw the stream up to `completed` (the final status line may come after).
      const upToCompleted = file.slice(0, file.findIndex((e) => e.type === "completed") + 1);
      expect(tail.map((e) => e.seq)).toEqual(upToCompleted.map((e) => e.seq));
      expect(sent).toBe(upToCompleted.length);
      await until("all frames", () => frames.length === sent);
      const decoded = frames.map((f) => JSON.parse(f) as { event: string; data: string; id: string });
      expect(decoded.map((f) => f.event)).toEqual(upToCompleted.map((e) => e.type));
      expect(JSON.parse(decoded.at(-1)!.data)).toMatchObject({ type: "completed", final_text: "followed" });
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });
});

function pids(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", pattern], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
