// A USD budget on a model without pricing data (issue 13 §3): the cost of such a thread is unknown, so no
// max_cost_usd could hold it. The spawn is refused with MODEL_UNPRICED before anything runs — for the
// directive's own max_cost_usd and for a child joining a tree that has one — unless the person allows it
// (`allowUnpriced`). Real runtime, real SQLite registry, the fake LLM.
import { costOf as anthropicCost, createAnthropicProvider } from "@kiwi/provider-anthropic";
import { afterEach, describe, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call } from "./test-support/thread-world";
import type { ModelChoice } from "./thread-runtime";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const priced: ModelChoice = {
  provider: createAnthropicProvider(),
  model: "claude-haiku-4-5",
  price: (model, usage) => {
    const c = anthropicCost({ model, usage });
    return c.priced ? { usd: c.usd } : { unpriced: true };
  },
};
/** A model the provider's pricing data does not list. */
const unpriced: ModelChoice = { ...priced, model: "claude-mystery-9" };

const USD =
  "<cost><max_turns>4</max_turns><max_cost_usd>0.50</max_cost_usd><on_exceeded>stop</on_exceeded></cost>";
const TURNS_ONLY = "<cost><max_turns>4</max_turns><on_exceeded>stop</on_exceeded></cost>";

describe("a max_cost_usd budget on an unpriced model", () => {
  it("is refused at spawn with MODEL_UNPRICED: nothing registered, the model never asked", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "never" }] },
      runtime: { models: () => unpriced },
    });
    await world.directive("costly", threadDirectiveFile({ name: "costly", cost: USD }));
    await expect(world.runtime.spawn({ directive: "costly", message: "go" })).rejects.toMatchObject({
      code: "MODEL_UNPRICED",
      message: expect.stringContaining(
        "claude-mystery-9, which has no pricing data, while its own <cost> has max_cost_usd 0.5",
      ),
    });
    expect(world.runtime.manager.registry.query({})).toHaveLength(0);
    expect(world.fake.requests).toHaveLength(0);
  });

  it("runs when the person allows it, and the spawn records that it was allowed", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "done, cost unknown" }] },
      runtime: { models: () => unpriced, allowUnpriced: true },
    });
    await world.directive("costly", threadDirectiveFile({ name: "costly", cost: USD }));
    const spawned = await world.runtime.spawn({ directive: "costly", message: "go" });
    expect(await spawned.wait({ timeoutMs: 20_000 })).toMatchObject({
      status: "completed",
      usage: { usd: null },
    });
    expect(world.runtime.manager.registry.get(spawned.thread_id)?.permission_context).toMatchObject({
      unpriced_allowed: true,
      model: "claude-mystery-9",
    });
  });

  it("a directive without a USD budget runs on an unpriced model as before", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "fine" }] },
      runtime: { models: () => unpriced },
    });
    await world.directive("cheap", threadDirectiveFile({ name: "cheap", cost: TURNS_ONLY }));
    const spawned = await world.runtime.spawn({ directive: "cheap", message: "go" });
    expect(await spawned.wait({ timeoutMs: 20_000 })).toMatchObject({
      status: "completed",
      reason: "end_turn",
    });
  });

  it("a child without its own figure may not join a USD-capped tree on an unpriced model", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              call("execute", {
                item_type: "tool",
                action: "run",
                item_id: "thread_directive",
                parameters: { directive_name: "child_unpriced", message: "child work" },
              }),
              { text: "parent done" },
            ],
          },
          { match: "child work", turns: [{ text: "never" }] },
        ],
      },
      runtime: { models: (_model, directive) => (directive === "child_unpriced" ? unpriced : priced) },
    });
    await world.directive(
      "parent_usd",
      threadDirectiveFile({
        name: "parent_usd",
        cost: USD,
        permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>child_*</allow_directives></orchestration>`,
      }),
    );
    await world.directive(
      "child_unpriced",
      threadDirectiveFile({ name: "child_unpriced", cost: TURNS_ONLY }),
    );
    const parent = await world.runtime.spawn({ directive: "parent_usd", message: "parent work" });
    await parent.wait({ timeoutMs: 20_000 });
    expect(world.runtime.manager.registry.query({ parentId: parent.thread_id })).toHaveLength(0);
    const second = JSON.stringify(world.fake.requests[1]!.body);
    expect(second).toContain("MODEL_UNPRICED");
    expect(second).toContain(
      `the budget tree it would join has max_cost_usd 0.5 (thread ${parent.thread_id})`,
    );
  });
});
