import {
  emptyStreamState,
  type ProviderRequest,
  type StreamState,
  type ToolCall,
  type ToolResult,
  type ToolSpec,
} from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { BaseHarnessRunner, CUT_OFF_NOTE } from "./base-harness-runner";
import type { ModelCallResult, ModelClient } from "./model-client";

type Reply = {
  text?: string;
  calls?: { id: string; name: string; args?: Record<string, unknown>; partial?: boolean; broken?: boolean }[];
  cut?: boolean;
  nothing?: boolean;
  /** An error event in the stream (after whatever text and calls came first). */
  error?: string;
};

/** A model that answers from a list of replies, recording every request it gets. */
function scripted(replies: Reply[]) {
  const requests: ProviderRequest[] = [];
  const client: ModelClient = {
    async call(request) {
      requests.push(structuredClone(request));
      const r = replies.shift() ?? { text: "done" };
      const state: StreamState = emptyStreamState();
      state.events = r.nothing ? 0 : 5;
      if (r.text) state.text_blocks.push(r.text);
      for (const [index, c] of (r.calls ?? []).entries()) {
        state.tool_calls.push({
          index,
          id: c.id,
          name: c.name,
          arguments_json: c.broken ? "{oops" : JSON.stringify(c.args ?? {}),
          ...(c.partial || c.broken ? {} : { arguments: c.args ?? {} }),
          is_complete: !c.partial,
          ...(c.broken ? { parse_error: "Unexpected token" } : {}),
        });
      }
      state.usage.input_tokens = 10;
      state.usage.output_tokens = 5;
      if (r.error) state.error = { type: "overloaded_error", message: r.error };
      state.clean_finish = !r.cut && !r.nothing && !r.error;
      const result: ModelCallResult =
        r.cut || r.nothing || r.error
          ? { state, interrupted: { code: "STREAM_INCOMPLETE", message: "cut" } }
          : { state };
      return result;
    },
  };
  return { client, requests };
}

class TestRunner extends BaseHarnessRunner {
  readonly ran: ToolCall[] = [];
  constructor(
    client: ModelClient,
    private readonly onExecute?: (calls: readonly ToolCall[]) => Promise<ToolResult[]>,
    maxTurns?: number,
  ) {
    super({ model: client, modelId: "m", maxTurns });
  }
  protected systemPrompt() {
    return "system";
  }
  protected tools(): ToolSpec[] {
    return [{ name: "echo", description: "echo", input_schema: { type: "object" } }];
  }
  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    this.ran.push(...calls);
    if (this.onExecute) return this.onExecute(calls);
    return calls.map((c) => ({ tool_call_id: c.id, content: `ran ${c.name}` }));
  }
}

describe("BaseHarnessRunner", () => {
  it("loops model → tools → results until the model stops calling tools, summing usage", async () => {
    const { client, requests } = scripted([
      { text: "a", calls: [{ id: "t1", name: "echo", args: { x: 1 } }] },
      {
        text: "b",
        calls: [
          { id: "t2", name: "echo" },
          { id: "t3", name: "echo" },
        ],
      },
      { text: "all done" },
    ]);
    const runner = new TestRunner(client);
    const r = await runner.run({ message: "go" });
    expect(r).toMatchObject({ status: "completed", reason: "end_turn", turns: 3, final_text: "all done" });
    expect(r.usage).toEqual({
      input_tokens: 30,
      output_tokens: 15,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
    });
    expect(runner.ran.map((c) => c.id)).toEqual(["t1", "t2", "t3"]);
    expect(requests[2]!.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
      "tool",
    ]);
    expect(requests[0]!.system).toBe("system");
  });

  it("never runs a partial or unparseable call, and tells the model its reply was cut off", async () => {
    const { client, requests } = scripted([
      {
        calls: [
          { id: "ok1", name: "echo" },
          { id: "ok2", name: "echo" },
          { id: "half", name: "echo", partial: true },
        ],
        cut: true,
      },
      { calls: [{ id: "bad", name: "echo", broken: true }] },
    ]);
    const runner = new TestRunner(client);
    const r = await runner.run({ message: "go" });
    expect(runner.ran.map((c) => c.id)).toEqual(["ok1", "ok2"]);
    expect(r.status).toBe("completed");
    const second = requests[1]!.messages;
    expect(second.at(-1)).toEqual({ role: "user", content: CUT_OFF_NOTE });
    const assistant = second.find((m) => m.role === "assistant");
    expect(assistant?.role === "assistant" && assistant.tool_calls.map((c) => c.id)).toEqual(["ok1", "ok2"]);
  });

  it("closes calls left without a result with a synthetic interrupted result", async () => {
    const { client, requests } = scripted([
      {
        calls: [
          { id: "a", name: "echo" },
          { id: "b", name: "echo" },
        ],
      },
      { text: "fine" },
    ]);
    const runner = new TestRunner(client, async (calls) => [
      { tool_call_id: calls[0]!.id, content: "only a" },
    ]);
    await runner.run({ message: "go" });
    const tool = requests[1]!.messages.find((m) => m.role === "tool");
    expect(tool?.role === "tool" && tool.results.map((x) => [x.tool_call_id, x.is_error ?? false])).toEqual([
      ["a", false],
      ["b", true],
    ]);
    const crash = scripted([{ calls: [{ id: "c", name: "echo" }] }, { text: "after crash" }]);
    const crashing = new TestRunner(crash.client, async () => {
      throw new Error("tool process died");
    });
    expect((await crashing.run({ message: "go" })).final_text).toBe("after crash");
    // The cause is kept: the model reads the error's code and message, not a bare "interrupted".
    const results = crash.requests[1]!.messages.find((m) => m.role === "tool");
    const content = JSON.parse(results?.role === "tool" ? results.results[0]!.content : "{}");
    expect(content).toEqual({
      success: false,
      error: {
        code: "INTERNAL_ERROR",
        message: "not completed: running this turn's tool calls failed: tool process died",
      },
    });
  });

  it("never runs calls parsed after a cancellation", async () => {
    const controller = new AbortController();
    const client: ModelClient = {
      async call() {
        controller.abort();
        const state = emptyStreamState();
        state.events = 3;
        state.tool_calls.push({
          index: 0,
          id: "late",
          name: "echo",
          arguments_json: "{}",
          arguments: {},
          is_complete: true,
        });
        return { state };
      },
    };
    const runner = new TestRunner(client);
    const r = await runner.run({ message: "go", signal: controller.signal });
    expect(r.status).toBe("aborted");
    expect(runner.ran).toEqual([]);
  });

  it("stops on the stop hook, at max turns, and when the model call fails outright", async () => {
    class Stopping extends TestRunner {
      protected override shouldStop(ctx: { turn: number }) {
        return ctx.turn > 2 ? { status: "stopped" as const, reason: "budget_exceeded" } : undefined;
      }
    }
    const loop = () =>
      scripted(Array.from({ length: 10 }, (_, i) => ({ calls: [{ id: `c${i}`, name: "echo" }] }))).client;
    expect(await new Stopping(loop()).run({ message: "go" })).toMatchObject({
      status: "stopped",
      reason: "budget_exceeded",
      turns: 2,
    });
    expect(await new TestRunner(loop(), undefined, 3).run({ message: "go" })).toMatchObject({
      status: "stopped",
      reason: "max_turns",
      turns: 3,
    });
    const failed = await new TestRunner(scripted([{ nothing: true }]).client).run({ message: "go" });
    expect(failed).toMatchObject({
      status: "error",
      reason: "model_call_failed",
      error: { code: "STREAM_INCOMPLETE" },
    });
  });

  it("ends with model_error on an error event mid-stream, without running its calls or asking again", async () => {
    const { client, requests } = scripted([
      { text: "partial", calls: [{ id: "c1", name: "echo" }], error: "Overloaded" },
      { text: "never asked" },
    ]);
    const runner = new TestRunner(client);
    const r = await runner.run({ message: "go" });
    expect(r).toMatchObject({
      status: "error",
      reason: "model_error",
      turns: 1,
      error: { code: "MODEL_ERROR", message: "overloaded_error: Overloaded" },
    });
    expect(requests).toHaveLength(1);
    expect(runner.ran).toHaveLength(0);
    // The conversation stays valid: the call got an "interrupted" result.
    expect(r.messages.at(-1)).toMatchObject({
      role: "tool",
      results: [{ tool_call_id: "c1", is_error: true }],
    });
  });

  it("lets a supervisor hold the run before a turn, inject messages and stop it", async () => {
    const { client, requests } = scripted([
      { text: "a", calls: [{ id: "t1", name: "echo" }] },
      { text: "b", calls: [{ id: "t2", name: "echo" }] },
      { text: "never" },
    ]);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const seen: number[] = [];
    const runner = new TestRunner(client);
    const run = runner.run({
      message: "go",
      control: {
        async beforeTurn(turn) {
          seen.push(turn);
          if (turn === 2) {
            await held; // paused between turns 1 and 2
            return { inject: ["also do Z"] };
          }
          if (turn === 3) return { stop: { status: "stopped", reason: "terminated" } };
          return undefined;
        },
      },
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(requests).toHaveLength(1); // held: no second model call while paused
    release();
    const r = await run;
    expect(r).toMatchObject({ status: "stopped", reason: "terminated", turns: 2 });
    expect(seen).toEqual([1, 2, 3]);
    const second = requests[1]!.messages;
    expect(second.at(-1)).toEqual({ role: "user", content: "also do Z" });
  });

  it("continues from a snapshot: same conversation, turn count and usage", async () => {
    const first = scripted([{ text: "a", calls: [{ id: "t1", name: "echo" }] }]);
    const a = new TestRunner(first.client);
    await a.run({
      message: "go",
      control: {
        beforeTurn: (t) => (t === 2 ? { stop: { status: "stopped", reason: "paused" } } : undefined),
      },
    });
    const snap = a.snapshot();
    expect(snap.turn).toBe(1);
    const second = scripted([{ text: "finished" }]);
    const b = new TestRunner(second.client);
    const r = await b.run({ message: "ignored", resume: snap });
    expect(r).toMatchObject({ status: "completed", turns: 2, final_text: "finished" });
    expect(r.usage.input_tokens).toBe(20);
    expect(second.requests[0]!.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
  });
});
