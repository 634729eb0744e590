import { describe, expect, it } from "vitest";
import { emptyStreamState, type StreamState } from "./conversation";
import type { HarnessV1 } from "./harness";
import type { HarnessRunContext, HarnessToolRequest, HarnessTurn } from "./harness-run-context";
import { upgradeHarnessV1 } from "./upgrade-harness-v1";

interface V1Context {
  model: {
    call(request: { system: string; messages: unknown[]; tools: unknown[] }): Promise<{ state: StreamState }>;
  };
  modelId: string;
  runTool(
    id: string,
    parameters: Record<string, unknown>,
    options: { meta: Record<string, unknown> },
  ): Promise<{ success: boolean }>;
  describeTool(id: string): Promise<unknown>;
}

/** A v1 harness written the old way: it calls control.beforeTurn, the model and one tool, then stops. */
const v1: HarnessV1<V1Context> = {
  specificationVersion: "harness-v1",
  id: "old",
  createRunner: (context) => ({
    async run(input) {
      const seen: string[] = [];
      const directive = await input.control?.beforeTurn(1, {
        messages: [{ role: "user", content: input.message }],
      });
      seen.push(...(directive?.inject ?? []));
      const reply = await context.model.call({ system: "s", messages: [], tools: [] });
      const tool = await context.runTool("greet", { who: "Ada" }, { meta: { __auth: "forged" } });
      const next = await input.control?.beforeTurn(2);
      return {
        status: next?.stop?.status ?? "completed",
        reason: next?.stop?.reason ?? "end_turn",
        turns: 1,
        usage: reply.state.usage,
        final_text: `${context.modelId} ${reply.state.text_blocks.join("")} ${tool.success} ${seen.join(",")} ${input.message}`,
        messages: [],
      };
    },
  }),
};

function fakeContext(turns: HarnessTurn[]) {
  const tools: HarnessToolRequest[] = [];
  const emitted: unknown[] = [];
  const conversations: unknown[] = [];
  const context = {
    thread: { id: "t", parentId: null, provider: "p", model: "m-1", maxTokens: 100 },
    directive: {
      name: "d",
      version: "1.0.0",
      description: "",
      category: "",
      inputs: {},
      prompt: "do d",
      tools: [],
    },
    message: "",
    signal: new AbortController().signal,
    async beforeTurn(conversation) {
      conversations.push(conversation);
      return turns.shift()!;
    },
    async model() {
      return { state: { ...emptyStreamState(), text_blocks: ["hi"] } };
    },
    async tool(request) {
      tools.push(request);
      return { success: true };
    },
    emit: (event) => emitted.push(event),
  } as Partial<HarnessRunContext> as HarnessRunContext;
  return { context, tools, emitted, conversations };
}

describe("upgradeHarnessV1", () => {
  it("runs a v1 runner on the run context: model, tools (without its own meta), turn boundaries", async () => {
    const { context, tools, emitted, conversations } = fakeContext([
      { turn: 1, inject: ["from a supervisor"], notes: ["a note"] },
      { turn: 2, inject: [], notes: [], stop: { status: "completed", reason: "budget_exceeded" } },
    ]);
    const v2 = upgradeHarnessV1(v1 as HarnessV1);
    expect(v2).toMatchObject({ specificationVersion: "harness-v2", id: "old" });
    const outcome = await v2.run(context);
    expect(outcome).toEqual({
      status: "completed",
      reason: "budget_exceeded",
      final_text: "m-1 hi true from a supervisor,a note do d",
      messages: [],
    });
    expect(tools).toEqual([{ tool: "greet", parameters: { who: "Ada" } }]);
    expect(emitted).toEqual([{ type: "user_message", turn: 1, text: "do d" }]);
    expect(conversations[0]).toEqual({ messages: [{ role: "user", content: "do d" }] });
  });
});
