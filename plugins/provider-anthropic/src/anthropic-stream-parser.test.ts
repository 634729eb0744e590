import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createAnthropicStreamParser, mapAnthropicStopReason } from "./anthropic-stream-parser";
import { fixture } from "./test-fixtures";

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

// What every recorded stream must produce is checked by the provider-v1 conformance suite
// (anthropic-provider.test.ts); here: what is particular to the Messages wire format.
describe("anthropic stream parser: recorded streams", () => {
  it("a tool call stays incomplete until its content_block_stop", () => {
    const { events } = fixture("text-and-tool-calls.sse");
    const parser = createAnthropicStreamParser();
    const firstStop = events.findIndex((e, i) => i > 5 && e.event === "content_block_stop");
    for (const event of events.slice(0, firstStop)) parser.push(event);
    expect(parser.state.tool_calls[0]).toMatchObject({ is_complete: false });
    expect(parser.state.tool_calls[0]!.arguments).toBeUndefined();
    parser.push(events[firstStop]!);
    expect(parser.state.tool_calls[0]).toMatchObject({ is_complete: true, arguments: { city: "Paris" } });
  });

  it("text only: the ping is counted", () => {
    expect(run(fixture("text-only.sse").events).events).toBe(10);
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
});
