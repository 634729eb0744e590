import { mkdtempSync, realpathSync, rmSync } from "node:fs";
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
