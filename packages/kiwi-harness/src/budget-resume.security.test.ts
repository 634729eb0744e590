// The budget tree survives a crash and a resume (issue 13 §3, issue 11): the reservation and the tree live
// in the registry, not only in the memory of the process that spawned them. A real child process runs a
// parent ($1.00, stop) and its child ($0.60 reserved, on_exceeded warn) and is SIGKILLed mid-stream of the
// child's second turn. Resumed in this process with nothing of the parent running here, the child is still
// held to its parent's tree; the parent, resumed afterwards, still counts what the child spent.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { readTranscript, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureRuntime, spawnFixture } from "./test-support/crash-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { call, createTestProject, firstUserText } from "./test-support/thread-world";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PARENT = "[tree parent]";
const CHILD = "[tree child]";

/** $0.30 a parent turn: 100,000 input tokens ($0.10) and 40,000 output tokens ($0.20) on claude-haiku-4-5. */
const parentUsage = { usage: { input_tokens: 100_000, output_tokens: 40_000 } };
/** $0.15 a child turn: 150,000 input tokens. */
const childUsage = { usage: { input_tokens: 150_000, output_tokens: 0 } };
const greet = (who: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "greet", parameters: { who } });

function script() {
  return {
    turns: [] as FakeTurn[],
    routes: [
      {
        match: PARENT,
        turns: [
          {
            ...call("execute", {
              item_type: "tool",
              action: "run",
              item_id: "thread_directive",
              parameters: { directive_name: "tree_child", message: CHILD },
            }),
            ...parentUsage,
          },
          {
            ...call("execute", {
              item_type: "tool",
              action: "run",
              item_id: "thread_control",
              parameters: { action: "wait_children", timeout_ms: 120_000 },
            }),
            ...parentUsage,
          },
          { text: "the parent never gets this far", ...parentUsage },
        ],
      },
      {
        match: CHILD,
        turns: [
          { ...greet("one"), ...childUsage },
          // message_start goes out at once; every later event waits five minutes: the owner dies mid-stream.
          { text: "this answer never finishes streaming", chunk_size: 4, delay_ms: 300_000 },
          { ...greet("two"), ...childUsage },
          { ...greet("three"), ...childUsage },
          { text: "never asked" },
        ],
      },
    ],
  };
}

async function until(what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function writeDirectives(projectRoot: string): Promise<void> {
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: {},
    indexTtlMs: 0,
  });
  const directives = {
    tree_parent: threadDirectiveFile({
      name: "tree_parent",
      cost: "<cost><max_turns>10</max_turns><max_cost_usd>1.00</max_cost_usd><on_exceeded>stop</on_exceeded></cost>",
      permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>tree_*</allow_directives></orchestration>`,
    }),
    tree_child: threadDirectiveFile({
      name: "tree_child",
      cost: "<cost><max_turns>10</max_turns><max_cost_usd>0.60</max_cost_usd><on_exceeded>warn</on_exceeded></cost>",
    }),
  };
  for (const [id, content] of Object.entries(directives)) {
    const done = await kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: id,
      parameters: { content },
    });
    if (!done.success) throw new Error(done.error.message);
  }
}

const costs = (events: TranscriptEvent[]) => events.filter((e) => e.type === "cost_update").length;

describe("a budget tree across a crash", () => {
  it("a child resumed where its parent does not run is held to the parent's tree; the parent resumed later counts the child", async () => {
    const projectRoot = await createTestProject();
    cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
    const fake = await createFakeLlmServer({ script: script() });
    cleanups.push(() => fake.close());
    await writeDirectives(projectRoot);
    const asked = (route: string) =>
      fake.requests.filter((r) => firstUserText(r.body).includes(route)).length;
    // A thread's transcript appears just after its spawn returns (opened off the spawn's path).
    const transcript = (id: string) => {
      const file = join(projectRoot, ".ai/threads", id, "transcript.jsonl");
      return existsSync(file) ? readTranscript(file).events : [];
    };

    const victim = spawnFixture(["victim", projectRoot, fake.anthropicBaseUrl, "tree_parent", PARENT]);
    cleanups.push(() => victim.kill());
    const { thread_id: parentId } = (await victim.waitForJson("ready")) as { thread_id: string };
    let childId = "";
    await until("the parent's two turns and the child mid-stream in its second", () => {
      const spawned = transcript(parentId).find((e) => e.type === "child_spawned");
      if (!spawned) return false;
      childId = String(spawned.child_id);
      return costs(transcript(parentId)) === 2 && costs(transcript(childId)) === 1 && asked(CHILD) === 2;
    });
    await victim.kill();

    // "Another process" for the child: a runtime where the parent does not run.
    const childSide = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => childSide.close());
    expect(childSide.manager.registry.get(childId)).toMatchObject({
      status: "interrupted",
      budget: { max_cost_usd: 0.6, on_exceeded: "warn", reserved: ["max_cost_usd"] },
    });
    await childSide.resume(childId);
    const child = await childSide.manager.wait(childId, { timeoutMs: 20_000 });
    // Its own $0.60 would pay for another $0.15 turn; its parent's tree ($0.60 + $0.30 of $1.00) does not.
    expect(child).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    expect(transcript(childId).find((e) => e.type === "budget_exceeded")?.message).toMatch(
      new RegExp(`^Budget exceeded: \\$0\\.9000 of \\$1\\.0000 used in the budget tree of ${parentId}; `),
    );
    expect(asked(CHILD)).toBe(3); // turn 1 journaled, turn 2 asked again, turn 3 never asked

    // The parent, resumed in yet another runtime, sees the child's spend from the registry.
    const parentSide = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => parentSide.close());
    await parentSide.resume(parentId, { decision: "skip" }); // its wait_children call was in flight
    const parent = await parentSide.manager.wait(parentId, { timeoutMs: 20_000 });
    expect(parent).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    expect(asked(PARENT)).toBe(2);
    const tree = parentSide.manager.registry.subtree(parentId);
    const usd = tree.reduce((n, r) => n + Number(r.usage?.usd ?? 0), 0);
    expect(usd).toBeLessThanOrEqual(1.0 + 1e-9);
  }, 90_000);
});
