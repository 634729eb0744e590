import type { PlannedTurn } from "./plan-turn";
import { randomId } from "./random-id";
import { splitPieces } from "./split-pieces";

/**
 * Renders a planned turn in the Anthropic Messages wire format, as the API sends it: the event sequence
 * the official SDK's MessageStream accumulates, the non-streaming Message, and the error body.
 */

export interface AnthropicEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

type Usage = PlannedTurn["usage"];

function startUsage(usage: Usage): Record<string, number> {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_tokens,
    cache_read_input_tokens: usage.cache_read_tokens,
    // The API reports a provisional output count at the start; the real one comes in message_delta.
    output_tokens: 1,
  };
}

function toolUseIds(turn: PlannedTurn): string[] {
  return turn.toolCalls.map((call) => call.id ?? randomId("toolu_01", 22));
}

/** The full event sequence, pings included; with `turn.error` it ends in an `error` event instead. */
export function anthropicEvents(turn: PlannedTurn, messageId: string): AnthropicEvent[] {
  const content: AnthropicEvent[] = [];
  let index = 0;
  if (turn.text) {
    content.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
    for (const piece of splitPieces(turn.text, turn.chunkSize)) {
      content.push(event("content_block_delta", { index, delta: { type: "text_delta", text: piece } }));
    }
    content.push(event("content_block_stop", { index }));
    index += 1;
  }
  const ids = toolUseIds(turn);
  turn.toolCalls.forEach((call, i) => {
    const block = { type: "tool_use", id: ids[i], name: call.name, input: {} };
    content.push(event("content_block_start", { index, content_block: block }));
    // The API opens every tool input with an empty fragment; adapters must cope with it.
    const fragments = ["", ...splitPieces(call.argumentsJson, turn.chunkSize)];
    for (const partial_json of fragments) {
      content.push(
        event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json } }),
      );
    }
    content.push(event("content_block_stop", { index }));
    index += 1;
  });

  const start = event("message_start", {
    message: {
      id: messageId,
      type: "message",
      role: "assistant",
      model: turn.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: startUsage(turn.usage),
    },
  });
  const ending = turn.error
    ? [
        {
          type: "error",
          data: { type: "error", error: { type: turn.error.type, message: turn.error.message } },
        },
      ]
    : [
        event("message_delta", {
          delta: { stop_reason: turn.stopReason, stop_sequence: null },
          usage: { output_tokens: turn.usage.output_tokens },
        }),
        event("message_stop", {}),
      ];
  return withPings([start, ...content, ...ending], turn.pingEvery);
}

function event(type: string, fields: Record<string, unknown>): AnthropicEvent {
  return { type, data: { type, ...fields } };
}

/**
 * One ping where the API sends it (after the first event that opens content), plus one every N events
 * when asked, never between the ending events (message_delta, message_stop, error).
 */
function withPings(events: AnthropicEvent[], every: number | undefined): AnthropicEvent[] {
  const ping = event("ping", {});
  const firstAt = events[1]?.type === "content_block_start" ? 2 : 1;
  const out: AnthropicEvent[] = [];
  events.forEach((item, i) => {
    out.push(item);
    const count = i + 1;
    const next = events[i + 1]?.type;
    const beforeEnding = next === undefined || next === "message_stop";
    if (count === firstAt) out.push(ping);
    else if (every && count % every === 0 && !beforeEnding && item.type !== "message_delta") out.push(ping);
  });
  return out;
}

/** `event: <type>\ndata: <json>\n\n`, the API's framing. */
export function anthropicFrame(item: AnthropicEvent): string {
  return `event: ${item.type}\ndata: ${JSON.stringify(item.data)}\n\n`;
}

/** The non-streaming Message JSON. */
export function anthropicMessage(turn: PlannedTurn, messageId: string): Record<string, unknown> {
  const ids = toolUseIds(turn);
  const content: Record<string, unknown>[] = [];
  if (turn.text) content.push({ type: "text", text: turn.text });
  turn.toolCalls.forEach((call, i) => {
    content.push({ type: "tool_use", id: ids[i], name: call.name, input: JSON.parse(call.argumentsJson) });
  });
  return {
    id: messageId,
    type: "message",
    role: "assistant",
    model: turn.model,
    content,
    stop_reason: turn.stopReason,
    stop_sequence: null,
    usage: { ...startUsage(turn.usage), output_tokens: turn.usage.output_tokens },
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export function anthropicErrorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** `{type: "error", error: {type, message}, request_id}`, the API's error body. */
export function anthropicErrorBody(status: number, message: string, type?: string): Record<string, unknown> {
  return {
    type: "error",
    error: { type: type ?? anthropicErrorType(status), message },
    request_id: randomId("req_01", 22),
  };
}
