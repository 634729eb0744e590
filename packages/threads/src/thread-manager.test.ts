import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HarnessRunner, HarnessRunResult } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { testKeys } from "./test-fixtures/tokens";
import { type StatusChange, ThreadManager } from "./thread-manager";
import { readTranscript } from "./transcript/read-transcript";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RESULT: HarnessRunResult = {
  status: "completed",
  reason: "end_turn",
  turns: 1,
  usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
  final_text: "done",
  messages: [],
};

/** A runner that finishes when `release` is called, so a parent is still live when its child spawns. */
function heldRunner(): { runner: HarnessRunner; release: () => void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const runner: HarnessRunner = {
    run: async () => {
      await held;
      return RESULT;
    },
  };
  return { runner, release };
}

const idle = (): HarnessRunner => ({ run: async () => RESULT });

async function openManager() {
  const project = realpathSync(mkdtempSync(join(tmpdir(), "kiwi-thread-manager-")));
  cleanups.push(() => rmSync(project, { recursive: true, force: true }));
  const keys = testKeys();
  const manager = ThreadManager.open({ projectRoot: project, verifier: keys.verifier, secrets: [] });
  cleanups.push(() => manager.close());
  return { project, manager, auth: await keys.token([{ cap: "spawn.thread" }]) };
}

describe("ThreadManager.spawn", () => {
  it("takes camelCase options and writes the documented snake_case records", async () => {
    const { manager, auth } = await openManager();
    const changes: StatusChange[] = [];
    manager.watch((change) => changes.push(change));
    const parent = heldRunner();
    await manager.spawn({
      threadId: "parent_1",
      directive: "orchestrator",
      message: "plan",
      auth,
      budget: { maxCostUsd: 1, maxTotalTokens: 1000 },
      runner: () => parent.runner,
    });
    const spawned = await manager.spawn({
      threadId: "child_1",
      directive: "worker",
      message: "work",
      auth,
      parentId: "parent_1",
      budget: { maxTotalTokens: 400 },
      onExceeded: "escalate",
      permissionContext: { spawned_by: "tests" },
      projectPath: manager.projectRoot,
      runner: () => ({ run: async () => RESULT }),
    });
    // What a model reads back from thread_directive.
    expect(spawned).toMatchObject({
      success: true,
      thread_id: "child_1",
      status: "spawned",
      transcript_path: ".ai/threads/child_1/transcript.jsonl",
      budget: { max_cost_usd: 1, max_total_tokens: 400 },
    });
    // The registry row and the transcript keep the names of the published formats.
    expect(manager.registry.get("child_1")).toMatchObject({
      thread_id: "child_1",
      parent_id: "parent_1",
      permission_context: { spawned_by: "tests" },
      budget: { max_cost_usd: 1, max_total_tokens: 400, on_exceeded: "escalate" },
      transcript_path: ".ai/threads/child_1/transcript.jsonl",
    });
    expect(manager.registry.query({ parentId: "parent_1" }).map((r) => r.thread_id)).toEqual(["child_1"]);
    await manager.done("child_1");
    const events = readTranscript(manager.transcriptPath("child_1")).events;
    expect(events.find((e) => e.type === "spawned")).toMatchObject({
      parent_id: "parent_1",
      budget: { max_cost_usd: 1, max_total_tokens: 400 },
    });
    parent.release();
    await manager.done("parent_1");
    const parentEvents = readTranscript(manager.transcriptPath("parent_1")).events;
    expect(parentEvents.find((e) => e.type === "child_spawned")).toMatchObject({
      child_id: "child_1",
      budget: { max_cost_usd: 1, max_total_tokens: 400 },
    });
    expect(changes).toContainEqual({ threadId: "child_1", status: "completed", reason: "end_turn" });
  });

  it("refuses another project's path with PROJECT_MISMATCH", async () => {
    const { manager, auth } = await openManager();
    await expect(
      manager.spawn({
        threadId: "elsewhere",
        directive: "d",
        message: "",
        auth,
        projectPath: "/some/other/project",
        runner: () => ({ run: async () => RESULT }),
      }),
    ).rejects.toMatchObject({ code: "PROJECT_MISMATCH", context: { project_path: "/some/other/project" } });
    expect(manager.registry.get("elsewhere")).toBeUndefined();
  });

  it("refuses the old snake_case option names instead of ignoring them", async () => {
    const { manager, auth } = await openManager();
    const old = { thread_id: "t", parent_id: "p", directive: "d", message: "", auth, runner: () => idle() };
    await expect(manager.spawn(old as never)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      context: { renamed: { thread_id: "threadId", parent_id: "parentId" } },
    });
    const budget = { max_cost_usd: 1 };
    await expect(
      manager.spawn({
        threadId: "t",
        directive: "d",
        message: "",
        auth,
        budget: budget as never,
        runner: idle,
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", context: { renamed: { max_cost_usd: "maxCostUsd" } } });
    expect(manager.registry.get("t")).toBeUndefined();
  });
});

describe("spawn opens a new thread's transcript off its path", () => {
  it("keeps what is recorded before the file is open, in order, in the transcript and the registry", async () => {
    const { manager, auth } = await openManager();
    let ran = false;
    const spawned = await manager.spawn({
      threadId: "early",
      directive: "d",
      message: "go",
      auth,
      inputs: { topic: "x" },
      runner: () => ({
        run: async () => {
          ran = true;
          return RESULT;
        },
      }),
    });
    // Controls applied at once, before the run starts (and maybe before the file exists).
    manager.inject("early", "hello");
    manager.pause("early");
    manager.resume("early");
    expect(manager.readTranscript("early").torn).toBe(false);
    // The asynchronous read (the thread tools') waits for the file: what was recorded meanwhile is in it.
    const read = await manager.readEvents("early");
    expect(read.events.slice(0, 4).map((e) => e.type)).toEqual([
      "spawned",
      "intervention",
      "intervention",
      "intervention",
    ]);
    expect(await spawned.done()).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(ran).toBe(true);
    const { events } = readTranscript(manager.transcriptPath("early"));
    expect(events.map((e) => [e.type, (e as { action?: string }).action ?? null])).toEqual([
      ["spawned", null],
      ["intervention", "inject_message"],
      ["intervention", "pause"],
      ["intervention", "resume"],
      ["status", null],
      ["completed", null],
      ["status", null],
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events[0]).toMatchObject({ directive: "d", inputs: { topic: "x" } });
    // The registry's copies point at the same lines.
    const copies = manager.registry.getEvents("early");
    expect(copies.map((e) => [e.type, e.data.transcript_seq])).toEqual(events.map((e) => [e.type, e.seq]));
    const folder = statSync(join(manager.projectRoot, ".ai/threads/early"));
    expect(folder.mode & 0o777).toBe(0o700);
    expect(statSync(manager.transcriptPath("early")).mode & 0o777).toBe(0o600);
  });

  it("a kill before the run starts ends the thread killed, its run handed an aborted signal", async () => {
    const { manager, auth } = await openManager();
    let aborted: boolean | undefined;
    const spawned = await manager.spawn({
      threadId: "killed_early",
      directive: "d",
      message: "go",
      auth,
      runner: () => ({
        run: async ({ signal }) => {
          aborted = signal?.aborted;
          return RESULT;
        },
      }),
    });
    manager.kill("killed_early");
    const result = await spawned.done();
    expect(result.status).toBe("killed");
    const types = readTranscript(manager.transcriptPath("killed_early")).events.map((e) => e.type);
    expect(types[0]).toBe("spawned");
    expect(types).toContain("intervention");
    expect(aborted).toBe(true);
  });

  it("refuses inputs that are not JSON before anything is registered", async () => {
    const { manager, auth } = await openManager();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const inputs of [{ n: 1n }, cyclic]) {
      await expect(
        manager.spawn({
          threadId: "bad_inputs",
          directive: "d",
          message: "",
          auth,
          inputs,
          runner: () => ({ run: async () => RESULT }) as HarnessRunner,
        }),
      ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    }
    expect(manager.registry.get("bad_inputs")).toBeUndefined();
    expect(existsSync(join(manager.projectRoot, ".ai/threads/bad_inputs"))).toBe(false);
  });
});
