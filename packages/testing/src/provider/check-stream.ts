// The stream-parsing cases of the provider suite: what every provider-v1 parser does with a recorded
// stream, whatever its wire format (DESIGN.md §6: text blocks, tool calls with accumulated partial JSON,
// usage, stop reason, clean finish; partial calls never executable).
import type { ProviderV1, SinkEvent, StreamState } from "@kiwi/spec";
import { expect } from "vitest";
import { asReturned } from "../sse-fixture";

/** Pushes every event into a fresh parser, checking the streaming invariants after each one. */
export function parseChecked(provider: ProviderV1, events: readonly SinkEvent[]): StreamState[] {
  const parser = provider.createStreamParser();
  const seen: StreamState[] = [];
  let text = "";
  let calls = 0;
  let finished = false;
  events.forEach((event, i) => {
    expect(() => parser.push(event), `push of event #${i + 1} (${event.event}) threw`).not.toThrow();
    const state = parser.state;
    const where = `after event #${i + 1} (${event.event})`;
    expect(state.events, `${where}: state.events counts every event`).toBe(i + 1);
    // Text only grows: what a harness showed while streaming is never rewritten.
    const joined = state.text_blocks.join("");
    expect(joined.startsWith(text), `${where}: text so far was rewritten`).toBe(true);
    text = joined;
    expect(state.tool_calls.length, `${where}: tool calls disappeared`).toBeGreaterThanOrEqual(calls);
    calls = state.tool_calls.length;
    for (const call of state.tool_calls) {
      if (!call.is_complete) {
        // A harness may read the state at any time: nothing may look executable before the call closes.
        expect(
          call.arguments,
          `${where}: call ${call.id} has arguments before it is complete`,
        ).toBeUndefined();
        expect(
          call.parse_error,
          `${where}: call ${call.id} has a parse_error before it is complete`,
        ).toBeUndefined();
      } else {
        expect(
          (call.arguments === undefined) !== (call.parse_error === undefined),
          `${where}: complete call ${call.id} needs exactly one of arguments and parse_error`,
        ).toBe(true);
      }
    }
    if (finished) expect(state.clean_finish, `${where}: clean_finish was taken back`).toBe(true);
    if (state.clean_finish) {
      finished = true;
      expect(
        state.tool_calls.every((c) => c.is_complete),
        `${where}: clean finish with an open call`,
      ).toBe(true);
    }
    seen.push(structuredClone(state));
  });
  expect(parser.state.events).toBe(events.length);
  return seen;
}

/** The state a stream leaves, fed in one go. */
export function finalState(provider: ProviderV1, events: readonly SinkEvent[]): StreamState {
  const parser = provider.createStreamParser();
  for (const event of events) parser.push(event);
  return parser.state;
}

/** The same state whether `data` arrives as text (the stream) or already parsed (the `return` body). */
export function checkReturnedForm(provider: ProviderV1, events: readonly SinkEvent[]): void {
  expect(finalState(provider, asReturned(events))).toEqual(finalState(provider, events));
}

/** After the end marker or an error, nothing more is applied; the events are still counted. */
export function checkNothingAfterEnd(
  provider: ProviderV1,
  events: readonly SinkEvent[],
  more: readonly SinkEvent[],
): void {
  const parser = provider.createStreamParser();
  for (const event of events) parser.push(event);
  const ended = structuredClone(parser.state);
  for (const event of more) parser.push(event);
  expect({ ...parser.state, events: ended.events }).toEqual(ended);
  expect(parser.state.events).toBe(events.length + more.length);
}

/** Usage counts are whole, non-negative numbers; a response that produced output reports it. */
export function checkUsage(state: StreamState): void {
  for (const [key, value] of Object.entries(state.usage)) {
    expect(Number.isSafeInteger(value) && value >= 0, `usage.${key} = ${value}`).toBe(true);
  }
  expect(state.usage.output_tokens, "usage.output_tokens of a whole response").toBeGreaterThan(0);
  expect(
    state.usage.input_tokens + state.usage.cache_read_tokens + state.usage.cache_creation_tokens,
    "input counts of a whole response",
  ).toBeGreaterThan(0);
}

/**
 * Events a parser must survive without throwing and without a clean finish: unreadable data under every
 * event name the provider's own streams use, and parsed data of the wrong type (a replayed return body).
 */
export function hostileEvents(names: readonly string[]): SinkEvent[] {
  // Not `{}`: an empty object is a well-formed event, and some wire formats end on one named `finish`.
  const bad: unknown[] = ["{not json", "", "[]", "null", "42", '"text"', null, 42, []];
  return [...new Set(["message", ...names])].flatMap((event) =>
    bad.map((data) => ({ event, data: data as string })),
  );
}
