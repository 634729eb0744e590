import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type { ErrorResponse } from "@anthropic-ai/sdk/resources/shared";
import { completeToolCall } from "@kiwi/provider-utils";
import {
  emptyStreamState,
  type ProviderStreamParser,
  type SinkEvent,
  type StopReason,
  type StreamState,
} from "@kiwi/spec";

/** What one Messages SSE event's data can hold: the SDK's event union plus `ping` and `error`. */
type WireEvent = RawMessageStreamEvent | ErrorResponse | { readonly type: "ping" };

/** Content blocks that are neither text nor a client tool call (thinking, server tools…) are skipped. */
const SKIPPED = 0x7fffffff;

/** Maps a Messages `stop_reason` to the neutral StopReason (`pause_turn` and unknown ones → `other`). */
export function mapAnthropicStopReason(reason: string): StopReason {
  switch (reason) {
    case "end_turn":
      return "end_turn";
    case "tool_use":
      return "tool_use";
    case "max_tokens":
      return "max_tokens";
    case "stop_sequence":
      return "stop_sequence";
    case "refusal":
      return "refusal";
    // Generation stopped because the context window filled up: a truncation, like max_tokens.
    case "model_context_window_exceeded":
      return "max_tokens";
    default:
      return "other";
  }
}

function fail(state: StreamState, type: string, message: string): void {
  state.error = { type, message };
  state.stop_reason = "error";
}

function isMessagesEvent(name: string): boolean {
  switch (name) {
    case "message_start":
    case "message_delta":
    case "message_stop":
    case "content_block_start":
    case "content_block_delta":
    case "content_block_stop":
    case "error":
      return true;
    default:
      return false;
  }
}

/**
 * Feeds Anthropic Messages stream events into a neutral StreamState. One JSON.parse per event (none when
 * `data` arrives already parsed, as in http_client's `return` body), strings appended in place, no other
 * per-event allocation. It never throws: a malformed event ends the stream with `state.error` (type
 * `invalid_event`), and nothing after `message_stop` or an error is applied.
 */
export function createAnthropicStreamParser(): ProviderStreamParser {
  const state = emptyStreamState();
  // Content block index → a text_blocks slot (≥ 0), a tool call as -(position + 1), or SKIPPED.
  const slots: number[] = [];
  // Tool calls whose arguments came whole in content_block_start (no input_json_delta yet).
  const seeded: boolean[] = [];
  let done = false;

  const apply = (wire: WireEvent): void => {
    switch (wire.type) {
      case "content_block_delta": {
        const slot = slots[wire.index];
        if (slot === undefined || slot === SKIPPED) return;
        const delta = wire.delta;
        if (delta.type === "text_delta") {
          if (slot >= 0 && typeof delta.text === "string") state.text_blocks[slot] += delta.text;
        } else if (delta.type === "input_json_delta") {
          const position = -slot - 1;
          const call = state.tool_calls[position];
          if (call === undefined || call.is_complete || typeof delta.partial_json !== "string") return;
          if (seeded[position] && delta.partial_json !== "") {
            seeded[position] = false;
            call.arguments_json = delta.partial_json;
          } else call.arguments_json += delta.partial_json;
        }
        return;
      }
      case "content_block_start": {
        const block = wire.content_block;
        if (block.type === "text") {
          slots[wire.index] = state.text_blocks.length;
          state.text_blocks.push(typeof block.text === "string" ? block.text : "");
        } else if (block.type === "tool_use") {
          const position = state.tool_calls.length;
          slots[wire.index] = -position - 1;
          // The API starts a call with `input: {}` and streams the JSON; a compatible server may send
          // the whole input here instead, which a later input_json_delta replaces.
          const input = block.input;
          const whole = typeof input === "object" && input !== null && Object.keys(input).length > 0;
          seeded[position] = whole;
          state.tool_calls.push({
            index: wire.index,
            id: typeof block.id === "string" ? block.id : "",
            name: typeof block.name === "string" ? block.name : "",
            arguments_json: whole ? JSON.stringify(input) : "",
            is_complete: false,
          });
        } else slots[wire.index] = SKIPPED;
        return;
      }
      case "content_block_stop": {
        const slot = slots[wire.index];
        if (slot === undefined || slot >= 0) return;
        const call = state.tool_calls[-slot - 1];
        if (call !== undefined && !call.is_complete) completeToolCall(call);
        return;
      }
      case "message_start": {
        const message = wire.message;
        state.message_id = message.id;
        state.model = message.model;
        const usage = message.usage;
        if (usage) {
          state.usage.input_tokens = usage.input_tokens ?? 0;
          state.usage.output_tokens = usage.output_tokens ?? 0;
          state.usage.cache_creation_tokens = usage.cache_creation_input_tokens ?? 0;
          state.usage.cache_read_tokens = usage.cache_read_input_tokens ?? 0;
        }
        return;
      }
      case "message_delta": {
        const reason = wire.delta.stop_reason;
        if (reason != null) state.stop_reason = mapAnthropicStopReason(reason);
        // Counters are cumulative totals for the whole message: overwrite when present, never add.
        const usage = wire.usage;
        if (usage) {
          if (usage.output_tokens != null) state.usage.output_tokens = usage.output_tokens;
          if (usage.input_tokens != null) state.usage.input_tokens = usage.input_tokens;
          if (usage.cache_creation_input_tokens != null)
            state.usage.cache_creation_tokens = usage.cache_creation_input_tokens;
          if (usage.cache_read_input_tokens != null)
            state.usage.cache_read_tokens = usage.cache_read_input_tokens;
        }
        return;
      }
      case "message_stop": {
        // The message is whole: a call whose content_block_stop never came is closed now.
        for (const call of state.tool_calls) if (!call.is_complete) completeToolCall(call);
        state.clean_finish = true;
        done = true;
        return;
      }
      case "error": {
        const error = wire.error as { type?: unknown; message?: unknown } | undefined;
        fail(
          state,
          typeof error?.type === "string" ? error.type : "error",
          typeof error?.message === "string" ? error.message : "the stream reported an error",
        );
        done = true;
        return;
      }
      default:
        // ping and event types this adapter does not know are counted and otherwise ignored.
        return;
    }
  };

  const invalid = (event: SinkEvent, error: unknown): void => {
    fail(state, "invalid_event", `event ${event.event} #${state.events}: ${(error as Error).message}`);
    done = true;
  };

  return {
    state,
    push(event: SinkEvent): void {
      state.events++;
      if (done) return;
      // http_client's `return` body hands events back with `data` already parsed; take it as it is.
      const data: unknown = event.data;
      let wire: WireEvent;
      try {
        wire = (typeof data === "string" ? JSON.parse(data) : data) as WireEvent;
        if (typeof wire !== "object" || wire === null) throw new TypeError("data is not a JSON object");
      } catch (error) {
        // Only a Messages event that cannot be read loses content; anything else (a proxy's keep-alive)
        // is ignored like an unknown event type.
        if (isMessagesEvent(event.event)) invalid(event, error);
        return;
      }
      try {
        apply(wire);
      } catch (error) {
        invalid(event, error);
      }
    },
  };
}
