// The owner SIGKILLed between a parent's spawn decision and its child's start: a real child process runs
// a parent thread whose journal stops the process at its thread_directive step — right after the step's
// intent is journaled (no child registered yet), or when the step is about to journal its result (the
// child registered, never run). Resuming the parent in another process must neither lose the child nor
// start a second one: exactly one child runs, its side effect happens once, and the parent gets its id.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer } from "@kiwi/fake-llm";
import { readTranscript } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { type FixtureChild, fixtureRuntime, spawnFixture } from "./test-support/crash-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { call, createDirectives, createTestProject, firstUserText } from "./test-support/thread-world";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// The parent holds what its child needs (a child's grants are attenuated to its parent's).
const PARENT = "[spawn parent]";
const CHILD = "[spawn child]";

const tool = (item_id: string, parameters: Record<string, unknown>, id: string) =>
  call("execute", { item_type: "tool", action: "run", item_id, parameters }, id);

const script = () => ({
  turns: [],
  routes: [
    {
      match: PARENT,
      turns: [
        tool("thread_directive", { directive_name: "child_worker", message: CHILD }, "spawn_1"),
        tool("thread_control", { action: "wait_children" }, "wait_1"),
        { text: "parent done" },
      ],
    },
    {
      match: CHILD,
      turns: [tool("bash", { command: "echo child >> effects.log" }, "bash_1"), { text: "child done" }],
    },
  ],
});

async function writeDirectives(projectRoot: string): Promise<void> {
  const directives = {
    spawn_parent: threadDirectiveFile({
      name: "spawn_parent",
      permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <execute resource="tool" id="bash"/>
      <execute resource="process" action="exec"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>child_*</allow_directives><deny_directives/></orchestration>`,
    }),
    child_worker: threadDirectiveFile({
      name: "child_worker",
      permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="bash"/>
      <execute resource="process" action="exec"/>`,
    }),
  };
  await createDirectives(projectRoot, directives);
}

interface Held {
  projectRoot: string;
  fake: FakeLlmServer;
  parentId: string;
  asked(marker: string): number;
  effects(): string;
}

async function killAt(hold: "intent" | "registered"): Promise<Held> {
  const projectRoot = await createTestProject();
  cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
  const fake = await createFakeLlmServer({ script: script() });
  cleanups.push(() => fake.close());
  await writeDirectives(projectRoot);
  const child: FixtureChild = spawnFixture([
    "spawner",
    projectRoot,
    fake.anthropicBaseUrl,
    "spawn_parent",
    hold,
  ]);
  cleanups.push(() => child.kill());
  const held = (await child.waitForJson("holding")) as { thread_id: string };
  await child.kill();
  expect(await child.exited).toBe("SIGKILL");
  const effectsFile = join(projectRoot, "effects.log");
  return {
    projectRoot,
    fake,
    parentId: held.thread_id,
    asked: (marker) => fake.requests.filter((r) => firstUserText(r.body).includes(marker)).length,
    effects: () => (existsSync(effectsFile) ? readFileSync(effectsFile, "utf8") : ""),
  };
}

describe("the owner SIGKILLed between the parent's spawn decision and the child's start", () => {
  for (const hold of ["intent", "registered"] as const) {
    it(`killed at ${hold === "intent" ? "the spawn's intent (no child registered)" : "the child's registration (never run)"}: resuming the parent runs exactly one child`, async () => {
      const h = await killAt(hold);
      const runtime = await fixtureRuntime(h.projectRoot, h.fake.anthropicBaseUrl);
      cleanups.push(() => runtime.close());
      const { registry } = runtime.manager;
      expect(registry.get(h.parentId)?.status).toBe("interrupted");
      const before = registry.query({ parentId: h.parentId });
      if (hold === "intent") expect(before).toEqual([]);
      else expect(before.map((r) => r.status)).toEqual(["interrupted"]);
      expect(h.asked(CHILD)).toBe(0);

      const resumed = await runtime.resume(h.parentId);
      expect(resumed).toMatchObject({ thread_id: h.parentId, status: "resumed" });
      const row = await runtime.manager.wait(h.parentId, { timeoutMs: 20_000 });
      expect(row).toMatchObject({ status: "completed", reason: "end_turn" });

      // One child, the one registered before the crash when there was one, run to its end once.
      const children = registry.query({ parentId: h.parentId });
      expect(children).toHaveLength(1);
      const childId = children[0]!.thread_id;
      if (hold === "registered") expect(childId).toBe(before[0]!.thread_id);
      expect(registry.get(childId)).toMatchObject({ status: "completed", reason: "end_turn" });
      expect(h.effects()).toBe("child\n");
      expect(h.asked(CHILD)).toBe(2);
      // The parent's turn 1 came from the journal; it was asked for turns 2 and 3 only.
      expect(h.asked(PARENT)).toBe(3);

      // The parent got the child's id as its spawn result, once.
      const events = readTranscript(runtime.manager.transcriptPath(h.parentId)).events;
      const spawnResults = events.filter((e) => e.type === "tool_result" && e.id === "spawn_1");
      expect(spawnResults).toEqual([expect.objectContaining({ success: true })]);
      const second = h.fake.requests.filter((r) => firstUserText(r.body).includes(PARENT))[1]!;
      expect(JSON.stringify(second.body)).toContain(childId);
      const note = events.filter((e) => e.type === "resumed");
      expect(note).toHaveLength(1);
      if (hold === "registered") {
        // The in-flight spawn got the child it had registered; the child resumed with its parent.
        expect(note[0]!.pending).toEqual([
          { seq: expect.any(Number), decision: "reconciled", child_id: childId },
        ]);
        expect(resumed.children).toEqual([
          expect.objectContaining({ thread_id: childId, status: "resumed" }),
        ]);
      } else {
        expect(note[0]!.pending).toEqual([{ seq: expect.any(Number), decision: "rerun" }]);
        expect(resumed.children).toBeUndefined();
      }
    }, 60_000);
  }
});
