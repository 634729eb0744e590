import {
  emptyStreamState,
  type HarnessRunContext,
  type HarnessToolRequest,
  type HarnessTurn,
  type ToolCall,
  type ToolResult,
} from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { BaseHarnessRunner } from "./base-harness-runner";
import type { HarnessContext } from "./harness-context";
import { runOnContext } from "./run-on-context";

class GreetRunner extends BaseHarnessRunner {
  readonly #context: HarnessContext;
  constructor(context: HarnessContext) {
    super({ model: context.model, modelId: context.modelId });
    this.#context = context;
  }
  protected systemPrompt() {
    return "greet";
  }
  protected tools() {
    return [];
  }
  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    const out: ToolResult[] = [];
    for (const c of calls) {
      const r = await this.#context.runTool(c.name, c.arguments, { meta: { __auth: "mine" } });
      out.push({ tool_call_id: c.id, content: JSON.stringify(r) });
    }
    return out;
  }
}

describe("runOnContext", () => {
  it("drives a BaseHarnessRunner through the run context: turn gates with the conversation, model, tools", async () => {
    const turns: HarnessTurn[] = [
      { turn: 1, inject: [], notes: [] },
      { turn: 2, inject: ["supervisor says hi"], notes: [] },
    ];
    const gates: unknown[] = [];
    const tools: HarnessToolRequest[] = [];
    const replies = [{ calls: [{ id: "c1", name: "greet", args: { who: "Ada" } }] }, { text: "greeted" }];
    const requests: unknown[] = [];
    const context = {
      thread: { id: "t", parentId: null, provider: "p", model: "m", maxTokens: 100 },
      directive: {
        name: "d",
        version: "1.0.0",
        description: "",
        category: "",
        inputs: {},
        prompt: "go",
        tools: [],
      },
      message: "",
      signal: new AbortController().signal,
      async beforeTurn(conversation) {
        gates.push(structuredClone(conversation));
        return turns.shift()!;
      },
      async model(request) {
        requests.push(structuredClone(request));
        const r = replies.shift()!;
        const state = emptyStreamState();
        state.events = 3;
        state.clean_finish = true;
        if ("text" in r) state.text_blocks.push(r.text!);
        for (const [index, c] of (r.calls ?? []).entries())
          state.tool_calls.push({ index, ...c, arguments_json: "{}", arguments: c.args, is_complete: true });
        return { state };
      },
      async tool(request) {
        tools.push(request);
        return { success: true, greeting: "Hello, Ada!" };
      },
      emit: () => undefined,
    } as Partial<HarnessRunContext> as HarnessRunContext;
    const outcome = await runOnContext(context, (c) => new GreetRunner(c));
    expect(outcome).toMatchObject({ status: "completed", reason: "end_turn", final_text: "greeted" });
    expect(tools).toEqual([{ tool: "greet", parameters: { who: "Ada" } }]);
    expect(gates).toEqual([
      { messages: [{ role: "user", content: "go" }] },
      {
        messages: [
          { role: "user", content: "go" },
          {
            role: "assistant",
            text: "",
            tool_calls: [{ id: "c1", name: "greet", arguments: { who: "Ada" } }],
          },
          {
            role: "tool",
            results: [{ tool_call_id: "c1", content: '{"success":true,"greeting":"Hello, Ada!"}' }],
          },
        ],
      },
    ]);
    expect(JSON.stringify(requests[1])).toContain("supervisor says hi");
  });
});
