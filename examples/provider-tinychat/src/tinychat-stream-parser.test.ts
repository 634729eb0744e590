import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createTinychatStreamParser, mapTinychatFinishReason } from "./tinychat-stream-parser";

const ev = (event: string, data: unknown): SinkEvent => ({ event, data: JSON.stringify(data) });

function parse(events: SinkEvent[]) {
  const parser = createTinychatStreamParser();
  for (const e of events) parser.push(e);
  return parser.state;
}

describe("the Tinychat stream parser", () => {
  it("builds text blocks and tool calls from pieces, and maps usage to disjoint counts", () => {
    const state = parse([
      ev("start", { id: "gen_1", model: "tiny-1" }),
      ev("text", { delta: "Hel" }),
      ev("text", { delta: "lo." }),
      ev("call_begin", { index: 0, call_id: "c1", tool: "search" }),
      ev("call_input", { index: 0, delta: '{"query"' }),
      ev("call_input", { index: 0, delta: ':"greet"}' }),
      ev("call_end", { index: 0 }),
      ev("text", { delta: "After." }),
      ev("finish", { reason: "calls", usage: { prompt: 120, completion: 30, cached: 100 } }),
    ]);
    expect(state).toMatchObject({
      message_id: "gen_1",
      model: "tiny-1",
      text_blocks: ["Hello.", "After."],
      stop_reason: "tool_use",
      clean_finish: true,
      events: 9,
      usage: { input_tokens: 20, output_tokens: 30, cache_read_tokens: 100, cache_creation_tokens: 0 },
    });
    expect(state.tool_calls).toEqual([
      expect.objectContaining({ id: "c1", name: "search", is_complete: true, arguments: { query: "greet" } }),
    ]);
  });

  it("keeps a partial call incomplete while the stream is open (a harness never runs it)", () => {
    const parser = createTinychatStreamParser();
    parser.push(ev("call_begin", { index: 0, call_id: "c1", tool: "execute" }));
    parser.push(ev("call_input", { index: 0, delta: '{"item_type":"to' }));
    expect(parser.state.tool_calls[0]).toMatchObject({
      is_complete: false,
      arguments_json: '{"item_type":"to',
    });
    expect(parser.state.clean_finish).toBe(false);
  });

  it("marks a call whose arguments are not a JSON object with parse_error, never guessing", () => {
    const state = parse([
      ev("call_begin", { index: 0, call_id: "c1", tool: "execute" }),
      ev("call_input", { index: 0, delta: '{"broken":' }),
      ev("call_begin", { index: 1, call_id: "c2", tool: "execute" }),
      ev("call_input", { index: 1, delta: "[1,2]" }),
      ev("finish", { reason: "calls" }), // closes calls whose call_end never came
    ]);
    expect(state.tool_calls.map((c) => [c.is_complete, c.arguments, typeof c.parse_error])).toEqual([
      [true, undefined, "string"],
      [true, undefined, "string"],
    ]);
  });

  it("records an error event and ignores whatever follows it", () => {
    const state = parse([
      ev("text", { delta: "partial" }),
      ev("error", { kind: "overloaded", message: "try later" }),
      ev("text", { delta: " ignored" }),
    ]);
    expect(state).toMatchObject({
      text_blocks: ["partial"],
      stop_reason: "error",
      error: { type: "overloaded", message: "try later" },
      clean_finish: false,
      events: 3,
    });
  });

  it("ends with invalid_event on data that is not a JSON object, and ignores unknown events", () => {
    expect(parse([ev("keepalive", {}), { event: "text", data: "not json" }]).error).toMatchObject({
      type: "invalid_event",
    });
    expect(parse([ev("keepalive", {}), ev("finish", { reason: "stop" })])).toMatchObject({
      clean_finish: true,
      stop_reason: "end_turn",
    });
  });

  it("maps finish reasons, unknown ones to other", () => {
    expect(["stop", "calls", "length", "refused", "mystery", 42].map(mapTinychatFinishReason)).toEqual([
      "end_turn",
      "tool_use",
      "max_tokens",
      "refusal",
      "other",
      "other",
    ]);
  });
});
