import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createOpenAIStreamParser, mapOpenAIFinishReason } from "./openai-stream-parser";
import { fixture } from "./test-fixtures";

function run(events: readonly SinkEvent[]) {
  const parser = createOpenAIStreamParser();
  for (const event of events) parser.push(event);
  return parser.state;
}

const chunk = (
  delta: Record<string, unknown>,
  finish_reason: string | null = null,
  extra = {},
): SinkEvent => ({
  event: "message",
  data: JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
    ...extra,
  }),
});
const DONE: SinkEvent = { event: "message", data: "[DONE]" };
const call = (index: number, args: string, id?: string, name?: string) =>
  chunk({
    tool_calls: [
      {
        index,
        ...(id ? { id, type: "function" } : {}),
        function: { ...(name ? { name } : {}), arguments: args },
      },
    ],
  });

// What every recorded stream must produce is checked by the provider-v1 conformance suite
// (openai-provider.test.ts); here: what is particular to the Chat Completions wire format.
describe("openai stream parser: recorded streams", () => {
  it("tool calls stay incomplete until the finish_reason; the clean finish waits for [DONE]", () => {
    const { events } = fixture("text-and-tool-calls.sse");
    const finish = events.findIndex((e) => e.data.includes('"finish_reason":"tool_calls"'));
    const parser = createOpenAIStreamParser();
    for (const event of events.slice(0, finish)) parser.push(event);
    expect(parser.state.tool_calls.map((c) => c.is_complete)).toEqual([false, false]);
    expect(parser.state.tool_calls[0]!.arguments).toBeUndefined();
    parser.push(events[finish]!);
    expect(parser.state.tool_calls.map((c) => c.is_complete)).toEqual([true, true]);
    expect(parser.state.clean_finish).toBe(false); // usage and [DONE] still to come
  });

  it("text only: every chunk and [DONE] are counted", () => {
    expect(run(fixture("text-only.sse").events).events).toBe(14);
  });
});

describe("openai stream parser: edge cases", () => {
  it('empty arguments ("") mean {}', () => {
    const state = run([call(0, "", "call_1", "list"), chunk({}, "tool_calls"), DONE]);
    expect(state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: {} });
  });

  it("a call without a name is refused", () => {
    const state = run([call(0, "{}", "call_1"), chunk({}, "tool_calls")]);
    expect(state.tool_calls[0]!.parse_error).toBe("the tool call has no name");
  });

  it("[DONE] without a finish_reason still closes open calls", () => {
    const state = run([call(0, '{"a":1}', "call_1", "f"), DONE]);
    expect(state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: { a: 1 } });
    expect(state.clean_finish).toBe(true);
    expect(state.stop_reason).toBeNull();
  });

  it("calls interleaved by index accumulate separately; fragments after completion are ignored", () => {
    const state = run([
      call(0, '{"a":', "c0", "f"),
      call(1, '{"b":', "c1", "g"),
      call(0, "1}"),
      call(1, "2}"),
      chunk({}, "tool_calls"),
      call(0, "garbage"),
    ]);
    expect(state.tool_calls.map((c) => c.arguments)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it.each([
    ["stop", "end_turn"],
    ["tool_calls", "tool_use"],
    ["length", "max_tokens"],
    ["content_filter", "refusal"],
    ["function_call", "other"],
    ["something_new", "other"],
  ])("finish_reason %s → %s", (reason, expected) => {
    expect(mapOpenAIFinishReason(reason)).toBe(expected);
    expect(run([chunk({ content: "x" }), chunk({}, reason)]).stop_reason).toBe(expected);
  });

  it("a refusal is text the model wrote and ends as refusal", () => {
    const state = run([
      chunk({ role: "assistant", content: null, refusal: "" }),
      chunk({ refusal: "I can't help with that." }),
      chunk({}, "stop"),
      DONE,
    ]);
    expect(state.text_blocks).toEqual(["I can't help with that."]);
    expect(state.stop_reason).toBe("refusal");
  });

  it("only choice 0 is read", () => {
    const state = run([
      {
        event: "message",
        data: JSON.stringify({
          id: "x",
          model: "m",
          choices: [
            { index: 1, delta: { content: "other" }, finish_reason: null },
            { index: 0, delta: { content: "mine" }, finish_reason: null },
          ],
        }),
      },
    ]);
    expect(state.text_blocks).toEqual(["mine"]);
  });

  it("a chunk that is not JSON ends the stream with invalid_event", () => {
    const state = run([
      chunk({ content: "a" }),
      { event: "message", data: "{oops" },
      chunk({ content: "b" }),
    ]);
    expect(state.error?.type).toBe("invalid_event");
    expect(state.stop_reason).toBe("error");
    expect(state.text_blocks).toEqual(["a"]);
  });

  it("an empty stream has an empty state", () => {
    const state = run([]);
    expect(state).toMatchObject({
      text_blocks: [],
      tool_calls: [],
      stop_reason: null,
      clean_finish: false,
      events: 0,
    });
  });
});
