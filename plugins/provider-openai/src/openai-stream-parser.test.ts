import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createOpenAIStreamParser, mapOpenAIFinishReason } from "./openai-stream-parser";
import { asReturned, fixtureEvents } from "./sse-fixture";

const FIXTURES = [
  "text-only.sse",
  "text-and-tool-calls.sse",
  "cut-stream.sse",
  "error-event.sse",
  "broken-tool-json.sse",
];

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

describe("openai stream parser: recorded streams", () => {
  it("text only: text, usage, end_turn, clean finish on [DONE]", () => {
    const state = run(fixtureEvents("text-only.sse"));
    expect(state.message_id).toBe("chatcmpl-CXs8kVq1FhN2nA7Yc0bT4rLzP9uEw");
    expect(state.model).toBe("gpt-4.1-2025-04-14");
    expect(state.text_blocks).toEqual(['Hello! How can I help you today? été "quoted"\n— 😀']);
    expect(state.tool_calls).toEqual([]);
    expect(state.usage).toEqual({
      input_tokens: 19,
      output_tokens: 10,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
    });
    expect(state.stop_reason).toBe("end_turn");
    expect(state.clean_finish).toBe(true);
    expect(state.events).toBe(14);
  });

  it("text and two tool calls with fragmented JSON; cached tokens are split out of the input", () => {
    const state = run(fixtureEvents("text-and-tool-calls.sse"));
    expect(state.text_blocks).toEqual(["I'll check the weather in both cities."]);
    expect(state.tool_calls).toEqual([
      {
        index: 0,
        id: "call_pL4nW8xQ2eR6tY0uI3oA5sDf",
        name: "get_weather",
        arguments_json: '{"city":"Paris","unit":"celsius","note":"caf\\u00e9 \\"terrace\\""}',
        arguments: { city: "Paris", unit: "celsius", note: 'café "terrace"' },
        is_complete: true,
      },
      {
        index: 1,
        id: "call_Zx9Cv2Bn4Mm6Kk8Jj0Hh1Gg3",
        name: "get_weather",
        arguments_json: '{"city":"Tokyo","unit":"celsius","days":[1,2]}',
        arguments: { city: "Tokyo", unit: "celsius", days: [1, 2] },
        is_complete: true,
      },
    ]);
    // prompt_tokens 1406 of which 1152 cached → 254 uncached input.
    expect(state.usage).toEqual({
      input_tokens: 254,
      output_tokens: 61,
      cache_read_tokens: 1152,
      cache_creation_tokens: 0,
    });
    expect(state.stop_reason).toBe("tool_use");
    expect(state.clean_finish).toBe(true);
  });

  it("tool calls stay incomplete until the finish_reason", () => {
    const events = fixtureEvents("text-and-tool-calls.sse");
    const finish = events.findIndex((e) => e.data.includes('"finish_reason":"tool_calls"'));
    const parser = createOpenAIStreamParser();
    for (const event of events.slice(0, finish)) parser.push(event);
    expect(parser.state.tool_calls.map((c) => c.is_complete)).toEqual([false, false]);
    expect(parser.state.tool_calls[0]!.arguments).toBeUndefined();
    parser.push(events[finish]!);
    expect(parser.state.tool_calls.map((c) => c.is_complete)).toEqual([true, true]);
    expect(parser.state.clean_finish).toBe(false); // usage and [DONE] still to come
  });

  it("a cut stream: no clean finish, the open tool call incomplete and unparsed", () => {
    const state = run(fixtureEvents("cut-stream.sse"));
    expect(state.tool_calls).toHaveLength(1);
    const [c] = state.tool_calls;
    expect(c).toMatchObject({ id: "call_Qw1Er2Ty3Ui4Op5As6Df7Gh8", name: "write_file", is_complete: false });
    expect(c!.arguments_json).toBe('{"path":"notes/todo.md","content":"- buy milk\\n- call');
    expect(c!.arguments).toBeUndefined();
    expect(c!.parse_error).toBeUndefined();
    expect(state.stop_reason).toBeNull();
    expect(state.clean_finish).toBe(false);
  });

  it("an error object mid-stream: state.error, stop_reason error, later events ignored", () => {
    const events = fixtureEvents("error-event.sse");
    const parser = createOpenAIStreamParser();
    for (const event of events) parser.push(event);
    parser.push(DONE);
    expect(parser.state.error).toEqual({
      type: "server_error",
      message: "The server had an error while processing your request. Sorry about that!",
    });
    expect(parser.state.stop_reason).toBe("error");
    expect(parser.state.clean_finish).toBe(false);
    expect(parser.state.text_blocks).toEqual(["Let me think about"]);
    expect(parser.state.events).toBe(events.length + 1);
  });

  it("broken tool JSON (cut by length): parse_error, no arguments, max_tokens", () => {
    const state = run(fixtureEvents("broken-tool-json.sse"));
    const [c] = state.tool_calls;
    expect(c!.is_complete).toBe(true);
    expect(c!.arguments).toBeUndefined();
    expect(c!.parse_error).toMatch(/^arguments are not valid JSON/);
    expect(state.stop_reason).toBe("max_tokens");
    expect(state.clean_finish).toBe(true);
  });
});

describe("openai stream parser: edge cases", () => {
  it('empty arguments ("") mean {}', () => {
    const state = run([call(0, "", "call_1", "list"), chunk({}, "tool_calls"), DONE]);
    expect(state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: {} });
  });

  it.each([
    ["[1]", "an array"],
    ["7", "a number"],
    ["null", "null"],
  ])("arguments %s are refused (%s)", (args, kind) => {
    const state = run([call(0, args, "call_1", "f"), chunk({}, "tool_calls")]);
    expect(state.tool_calls[0]!.parse_error).toContain(kind);
    expect(state.tool_calls[0]!.arguments).toBeUndefined();
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

describe("events from http_client's return body (data already parsed)", () => {
  it.each(FIXTURES)("%s: same state as from the raw events", (name) => {
    const events = fixtureEvents(name);
    const returned = asReturned(events);
    expect(returned.some((e) => typeof e.data !== "string")).toBe(true);
    expect(run(returned)).toEqual(run(events));
  });
});
