import { completeToolCall } from "@kiwi/provider-utils";
import {
  emptyStreamState,
  type ProviderStreamParser,
  type SinkEvent,
  type StopReason,
  type StreamingToolCall,
  type StreamState,
} from "@kiwi/spec";
import type { TinychatFinishReason, TinychatUsage } from "./tinychat-wire";

const STOP_REASONS: Record<TinychatFinishReason, StopReason> = {
  stop: "end_turn",
  calls: "tool_use",
  length: "max_tokens",
  refused: "refusal",
};

/** Maps Tinychat's finish reason to the neutral one; an unknown reason is `other`, never a guess. */
export function mapTinychatFinishReason(reason: unknown): StopReason {
  return typeof reason === "string" && Object.hasOwn(STOP_REASONS, reason)
    ? STOP_REASONS[reason as TinychatFinishReason]
    : "other";
}

const count = (value: unknown) =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;

/** Tinychat counts cached tokens inside `prompt`; the neutral Usage keeps them apart (billed differently). */
function applyUsage(state: StreamState, usage: Partial<TinychatUsage> | undefined): void {
  if (!usage) return;
  const cached = count(usage.cached);
  state.usage.cache_read_tokens = cached;
  state.usage.input_tokens = Math.max(0, count(usage.prompt) - cached);
  state.usage.output_tokens = count(usage.completion);
}

type Data = Record<string, unknown>;

/**
 * `ProviderV1.createStreamParser`: feeds Tinychat events into a neutral StreamState as they arrive (the
 * harness reads the state while the model is still writing, and keeps what arrived if the stream is cut).
 * It never throws: a malformed event ends the stream with `state.error`, and nothing after `finish` or
 * `error` is applied. `clean_finish` is set only by `finish`, so a cut stream is never mistaken for a whole one.
 */
export function createTinychatStreamParser(): ProviderStreamParser {
  const state = emptyStreamState();
  const calls = new Map<number, StreamingToolCall>(); // wire index → call
  let inText = false; // the last content was text: the next delta extends the same block
  let done = false;

  const fail = (type: string, message: string) => {
    state.error = { type, message };
    state.stop_reason = "error";
    done = true;
  };

  const apply = (name: string, data: Data) => {
    switch (name) {
      case "start":
        if (typeof data.id === "string") state.message_id = data.id;
        if (typeof data.model === "string") state.model = data.model;
        return;
      case "text": {
        if (typeof data.delta !== "string") return;
        if (inText) state.text_blocks[state.text_blocks.length - 1] += data.delta;
        else state.text_blocks.push(data.delta);
        inText = true;
        return;
      }
      case "call_begin": {
        inText = false;
        const index = count(data.index);
        if (calls.has(index)) {
          fail("invalid_event", `call_begin for index ${index} came twice`);
          return;
        }
        const call: StreamingToolCall = {
          index,
          id: typeof data.call_id === "string" ? data.call_id : "",
          name: typeof data.tool === "string" ? data.tool : "",
          arguments_json: "",
          is_complete: false,
        };
        calls.set(index, call);
        state.tool_calls.push(call);
        return;
      }
      case "call_input": {
        const call = calls.get(count(data.index));
        if (call && !call.is_complete && typeof data.delta === "string") call.arguments_json += data.delta;
        return;
      }
      case "call_end": {
        const call = calls.get(count(data.index));
        if (call && !call.is_complete) completeToolCall(call);
        return;
      }
      case "finish":
        // The message is whole: a call whose call_end never came is closed (and parsed) now.
        for (const call of state.tool_calls) if (!call.is_complete) completeToolCall(call);
        applyUsage(state, data.usage as Partial<TinychatUsage> | undefined);
        state.stop_reason = mapTinychatFinishReason(data.reason);
        state.clean_finish = true;
        done = true;
        return;
      case "error":
        fail(
          typeof data.kind === "string" ? data.kind : "error",
          typeof data.message === "string" ? data.message : "the stream reported an error",
        );
        return;
      default:
        return; // unknown events (keep-alives, newer features) are counted and otherwise ignored
    }
  };

  return {
    state,
    push(event: SinkEvent): void {
      state.events++;
      if (done) return;
      // http_client's `return` body may hand events back with `data` already parsed: take it as it is.
      const raw: unknown = event.data;
      let data: unknown;
      try {
        data = typeof raw === "string" ? JSON.parse(raw) : raw;
      } catch (error) {
        fail("invalid_event", `event ${event.event} #${state.events}: ${(error as Error).message}`);
        return;
      }
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        fail("invalid_event", `event ${event.event} #${state.events}: data is not a JSON object`);
        return;
      }
      apply(event.event, data as Data);
    },
  };
}
