// What the suite requires of each kind of recorded stream (see TestProviderOptions.streams).
import type { ProviderV1, SinkEvent } from "@kiwi/spec";
import { expect } from "vitest";
import { checkNothingAfterEnd, checkUsage, finalState, hostileEvents, parseChecked } from "./check-stream";

const joined = (blocks: readonly string[]) => blocks.join("");

/** Text only: text, usage, end_turn, a clean finish, and nothing applied after it. */
export function checkTextStream(
  provider: ProviderV1,
  events: readonly SinkEvent[],
  more: readonly SinkEvent[],
): void {
  const state = finalState(provider, events);
  expect(joined(state.text_blocks)).not.toBe("");
  expect(state).toMatchObject({ tool_calls: [], stop_reason: "end_turn", clean_finish: true });
  expect(state.error).toBeUndefined();
  checkUsage(state);
  checkNothingAfterEnd(provider, events, more);
}

/** Tool calls: complete, parsed, named, with ids; some call was seen open with part of its JSON. */
export function checkToolCallStream(provider: ProviderV1, events: readonly SinkEvent[]): void {
  const seen = parseChecked(provider, events);
  const state = seen.at(-1);
  expect(state).toMatchObject({ stop_reason: "tool_use", clean_finish: true });
  const calls = state?.tool_calls ?? [];
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call.id).not.toBe("");
    expect(call.name).not.toBe("");
    expect(call).toMatchObject({ is_complete: true, arguments: expect.any(Object) });
    expect(call.parse_error).toBeUndefined();
    expect(call.arguments).toEqual(JSON.parse(call.arguments_json === "" ? "{}" : call.arguments_json));
  }
  // The partial state a harness must not execute: a call open with part of its final JSON.
  const partial = seen.some((s) =>
    s.tool_calls.some(
      (c, i) => !c.is_complete && c.arguments_json !== "" && c.arguments_json !== calls[i]?.arguments_json,
    ),
  );
  expect(
    partial,
    "no tool call was ever seen with partial JSON: record a stream whose JSON comes in pieces",
  ).toBe(true);
  checkUsage(state!);
}

/** Cut inside a tool call's arguments: no clean finish; the open call incomplete, unparsed. */
export function checkCutStream(provider: ProviderV1, events: readonly SinkEvent[]): void {
  const state = finalState(provider, events);
  expect(state.clean_finish, "a cut stream must not finish cleanly").toBe(false);
  expect(state.stop_reason).not.toBe("end_turn");
  const open = state.tool_calls.filter((c) => !c.is_complete);
  expect(open.length, "the cut stream must stop inside a tool call").toBeGreaterThan(0);
  for (const call of open) {
    expect(call.arguments_json).not.toBe("");
    expect(call.arguments).toBeUndefined();
    expect(call.parse_error).toBeUndefined();
  }
}

/** A call whose arguments are not a JSON object: closed with parse_error, never repaired. */
export function checkBrokenToolJson(provider: ProviderV1, events: readonly SinkEvent[]): void {
  const state = finalState(provider, events);
  const broken = state.tool_calls.filter((c) => c.is_complete && c.parse_error !== undefined);
  expect(broken.length, "no complete call with parse_error").toBeGreaterThan(0);
  for (const call of broken) {
    expect(typeof call.parse_error).toBe("string");
    expect(call.arguments).toBeUndefined();
  }
}

/** An error mid-stream: state.error, stop_reason error, no clean finish, nothing applied after it. */
export function checkErrorStream(
  provider: ProviderV1,
  events: readonly SinkEvent[],
  more: readonly SinkEvent[],
): void {
  const state = finalState(provider, events);
  expect(state.stop_reason).toBe("error");
  expect(state.clean_finish, "a stream that reported an error must not finish cleanly").toBe(false);
  expect(state.error).toEqual({ type: expect.any(String), message: expect.any(String) });
  expect(state.error?.type).not.toBe("");
  checkNothingAfterEnd(provider, events, more);
}

/** Unreadable or ill-typed events never make a parser throw, finish cleanly or produce arguments. */
export function checkHostile(provider: ProviderV1, names: readonly string[]): void {
  for (const event of hostileEvents(names)) {
    const parser = provider.createStreamParser();
    expect(() => parser.push(event), `${event.event}: ${JSON.stringify(event.data)}`).not.toThrow();
    expect(parser.state.clean_finish).toBe(false);
    expect(parser.state.events).toBe(1);
    expect(parser.state.tool_calls.filter((c) => c.arguments !== undefined)).toEqual([]);
  }
}
