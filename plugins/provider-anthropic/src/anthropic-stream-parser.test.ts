import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createAnthropicStreamParser, mapAnthropicStopReason } from "./anthropic-stream-parser";
import { asReturned, fixtureEvents } from "./sse-fixture";

const FIXTURES = [
  "text-only.sse",
  "text-and-tool-calls.sse",
  "cut-stream.sse",
  "error-event.sse",
  "broken-tool-json.sse",
];

function run(events: readonly SinkEvent[]) {
  const parser = createAnthropicStreamParser();
  for (const event of events) parser.push(event);
  return parser.state;
}

const ev = (data: unknown, event = (data as { type: string }).type): SinkEvent => ({
  event,
  data: JSON.stringify(data),
});

const start = (id = "msg_1") =>
  ev({
    type: "message_start",
    message: { id, model: "claude-haiku-4-5", content: [], usage: { input_tokens: 5, output_tokens: 1 } },
  });

describe("anthropic stream parser: recorded streams", () => {
  it("text only: one text block, usage, end_turn, clean finish", () => {
    const state = run(fixtureEvents("text-only.sse"));
    expect(state.message_id).toBe("msg_01XFDUDYJgAACzvnptvVoYEL");
    expect(state.model).toBe("claude-sonnet-4-5-20250929");
    expect(state.text_blocks).toEqual([
      'Hello! I\'m Claude, an AI assistant made by Anthropic. How can I help you today? été "quoted"\n— 😀',
    ]);
    expect(state.tool_calls).toEqual([]);
    expect(state.usage).toEqual({
      input_tokens: 21,
      output_tokens: 31,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
    });
    expect(state.stop_reason).toBe("end_turn");
    expect(state.clean_finish).toBe(true);
    expect(state.error).toBeUndefined();
    expect(state.events).toBe(10); // ping included
  });

  it("text and two tool calls with fragmented JSON", () => {
    const state = run(fixtureEvents("text-and-tool-calls.sse"));
    expect(state.text_blocks).toEqual(["I'll check the weather in both cities for you."]);
    expect(state.tool_calls).toEqual([
      {
        index: 1,
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        name: "get_weather",
        arguments_json: '{"city": "Paris", "unit": "celsius", "note": "caf\\u00e9 \\"terrace\\""}',
        arguments: { city: "Paris", unit: "celsius", note: 'café "terrace"' },
        is_complete: true,
      },
      {
        index: 2,
        id: "toolu_01VtBY1dQc5VmKhGzP9z8eMR",
        name: "get_weather",
        arguments_json: '{"city": "Tokyo", "unit": "celsius", "days": [1, 2]}',
        arguments: { city: "Tokyo", unit: "celsius", days: [1, 2] },
        is_complete: true,
      },
    ]);
    expect(state.usage).toEqual({
      input_tokens: 312,
      output_tokens: 142,
      cache_read_tokens: 2048,
      cache_creation_tokens: 1536,
    });
    expect(state.stop_reason).toBe("tool_use");
    expect(state.clean_finish).toBe(true);
  });

  it("a tool call stays incomplete until its content_block_stop", () => {
    const events = fixtureEvents("text-and-tool-calls.sse");
    const parser = createAnthropicStreamParser();
    const firstStop = events.findIndex((e, i) => i > 5 && e.event === "content_block_stop");
    for (const event of events.slice(0, firstStop)) parser.push(event);
    expect(parser.state.tool_calls[0]).toMatchObject({ is_complete: false });
    expect(parser.state.tool_calls[0]!.arguments).toBeUndefined();
    parser.push(events[firstStop]!);
    expect(parser.state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: { city: "Paris" } });
  });

  it("a cut stream: no clean finish, the open tool call incomplete and unparsed", () => {
    const state = run(fixtureEvents("cut-stream.sse"));
    expect(state.text_blocks).toEqual(["Writing the file now."]);
    expect(state.tool_calls).toHaveLength(1);
    const [call] = state.tool_calls;
    expect(call).toMatchObject({
      id: "toolu_01BmGz3FfFq6cS4y8pT2n1Xk",
      name: "write_file",
      is_complete: false,
    });
    expect(call!.arguments_json).toBe('{"path": "notes/todo.md", "content": "- buy milk\\n- call');
    expect(call!.arguments).toBeUndefined();
    expect(call!.parse_error).toBeUndefined();
    expect(state.stop_reason).toBeNull();
    expect(state.clean_finish).toBe(false);
    expect(state.usage.input_tokens).toBe(480);
  });

  it("an error event: state.error, stop_reason error, no clean finish, later events ignored", () => {
    const events = fixtureEvents("error-event.sse");
    const parser = createAnthropicStreamParser();
    for (const event of events) parser.push(event);
    parser.push(ev({ type: "message_stop" }));
    const state = parser.state;
    expect(state.error).toEqual({ type: "overloaded_error", message: "Overloaded" });
    expect(state.stop_reason).toBe("error");
    expect(state.clean_finish).toBe(false);
    expect(state.text_blocks).toEqual(["Let me think about"]);
    expect(state.events).toBe(events.length + 1);
  });

  it("broken tool JSON (cut by max_tokens): parse_error, no arguments", () => {
    const state = run(fixtureEvents("broken-tool-json.sse"));
    const [call] = state.tool_calls;
    expect(call!.is_complete).toBe(true);
    expect(call!.arguments).toBeUndefined();
    expect(call!.parse_error).toMatch(/^arguments are not valid JSON/);
    expect(call!.arguments_json).toBe('{"path": "a.txt", "content": "x"');
    expect(state.stop_reason).toBe("max_tokens");
    expect(state.clean_finish).toBe(true);
  });
});

describe("anthropic stream parser: edge cases", () => {
  const toolStart = (index: number, input: unknown = {}) =>
    ev({
      type: "content_block_start",
      index,
      content_block: { type: "tool_use", id: `t${index}`, name: "f", input },
    });
  const json = (index: number, partial_json: string) =>
    ev({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } });
  const stop = (index: number) => ev({ type: "content_block_stop", index });

  it('empty arguments ("") mean {}', () => {
    const state = run([start(), toolStart(0), json(0, ""), stop(0)]);
    expect(state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: {} });
    expect(state.tool_calls[0]!.parse_error).toBeUndefined();
  });

  it.each([
    ["[1, 2]", "an array"],
    ['"text"', "a string"],
    ["42", "a number"],
    ["null", "null"],
    ["   ", "not valid JSON"],
  ])("arguments %s are refused (%s)", (text, kind) => {
    const state = run([start(), toolStart(0), json(0, text), stop(0)]);
    expect(state.tool_calls[0]!.parse_error).toContain(kind);
    expect(state.tool_calls[0]!.arguments).toBeUndefined();
  });

  it("a compatible server may send the whole input in content_block_start", () => {
    expect(run([start(), toolStart(0, { q: 1 }), stop(0)]).tool_calls[0]!.arguments).toEqual({ q: 1 });
    const replaced = run([start(), toolStart(0, { q: 1 }), json(0, '{"q":'), json(0, "2}"), stop(0)]);
    expect(replaced.tool_calls[0]!.arguments).toEqual({ q: 2 });
  });

  it("interleaved text blocks keep their order and deltas go to their own block", () => {
    const text = (index: number) =>
      ev({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
    const delta = (index: number, t: string) =>
      ev({ type: "content_block_delta", index, delta: { type: "text_delta", text: t } });
    const state = run([
      start(),
      text(0),
      delta(0, "a"),
      stop(0),
      toolStart(1),
      stop(1),
      text(2),
      delta(2, "b"),
    ]);
    expect(state.text_blocks).toEqual(["a", "b"]);
    expect(state.tool_calls[0]!.index).toBe(1);
  });

  it("thinking and server-tool blocks are skipped, their deltas too", () => {
    const state = run([
      start(),
      ev({
        type: "content_block_start",
        index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" },
      }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } }),
      stop(0),
      ev({
        type: "content_block_start",
        index: 1,
        content_block: { type: "server_tool_use", id: "srv", name: "web_search", input: {} },
      }),
      json(1, '{"query": "x"}'),
      stop(1),
    ]);
    expect(state.text_blocks).toEqual([]);
    expect(state.tool_calls).toEqual([]);
    expect(state.error).toBeUndefined();
  });

  it("message_stop closes a call whose content_block_stop never came", () => {
    const state = run([start(), toolStart(0), json(0, '{"a":1}'), ev({ type: "message_stop" })]);
    expect(state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: { a: 1 } });
    expect(state.clean_finish).toBe(true);
  });

  it("unknown event types and ping are counted and ignored", () => {
    const state = run([
      start(),
      { event: "ping", data: '{"type": "ping"}' },
      ev({ type: "future_event", x: 1 }),
      { event: "keepalive", data: "" },
    ]);
    expect(state.events).toBe(4);
    expect(state.error).toBeUndefined();
  });

  it("a Messages event that is not JSON, or malformed, ends the stream with invalid_event", () => {
    const bad = run([start(), { event: "content_block_delta", data: "{not json" }]);
    expect(bad.error?.type).toBe("invalid_event");
    expect(bad.stop_reason).toBe("error");
    const malformed = run([start(), ev({ type: "content_block_start", index: 0 })]);
    expect(malformed.error?.type).toBe("invalid_event");
    expect(malformed.error?.message).toContain("content_block_start #2");
  });

  it("message_delta usage overwrites (cumulative), never adds", () => {
    const delta = (usage: Record<string, unknown>) =>
      ev({ type: "message_delta", delta: { stop_reason: null, stop_sequence: null }, usage });
    const state = run([
      start(),
      delta({ output_tokens: 10 }),
      delta({ output_tokens: 25, cache_read_input_tokens: 7 }),
    ]);
    expect(state.usage).toEqual({
      input_tokens: 5,
      output_tokens: 25,
      cache_read_tokens: 7,
      cache_creation_tokens: 0,
    });
    expect(state.stop_reason).toBeNull();
  });

  it("maps stop reasons", () => {
    expect(mapAnthropicStopReason("end_turn")).toBe("end_turn");
    expect(mapAnthropicStopReason("tool_use")).toBe("tool_use");
    expect(mapAnthropicStopReason("max_tokens")).toBe("max_tokens");
    expect(mapAnthropicStopReason("stop_sequence")).toBe("stop_sequence");
    expect(mapAnthropicStopReason("refusal")).toBe("refusal");
    expect(mapAnthropicStopReason("model_context_window_exceeded")).toBe("max_tokens");
    expect(mapAnthropicStopReason("pause_turn")).toBe("other");
    expect(mapAnthropicStopReason("something_new")).toBe("other");
  });

  it("parsers are independent", () => {
    const a = createAnthropicStreamParser();
    const b = createAnthropicStreamParser();
    for (const event of fixtureEvents("text-only.sse")) a.push(event);
    expect(b.state.text_blocks).toEqual([]);
    expect(b.state.events).toBe(0);
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
