import { completeToolCall } from "@kiwi/provider-utils";
import {
  emptyStreamState,
  type ProviderStreamParser,
  type SinkEvent,
  type StopReason,
  type StreamingToolCall,
} from "@kiwi/spec";

type Data = Record<string, unknown>;

const STOP_REASONS: Readonly<Record<string, StopReason>> = {
  end_turn: "end_turn",
  tool_use: "tool_use",
  max_tokens: "max_tokens",
  refusal: "refusal",
};

const count = (value: unknown): number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;

/**
 * `ProviderV1.createStreamParser`: feeds the API's events into a neutral StreamState as they arrive (a
 * harness reads it while the model writes, and keeps what arrived if the stream is cut). The rules the
 * conformance suite checks: never throw (a malformed event ends the stream with `state.error`), count
 * every event, set `clean_finish` only on the end marker, apply nothing after it or an error, leave a
 * call incomplete until the API closes it (`completeToolCall` parses it then, never repairing it), and
 * keep usage counts disjoint (input without the cached tokens).
 */
export function createTemplateStreamParser(): ProviderStreamParser {
  const state = emptyStreamState();
  const calls = new Map<number, StreamingToolCall>();
  let ended = false;
  let inText = false;

  const fail = (type: string, message: string) => {
    state.error = { type, message };
    state.stop_reason = "error";
    ended = true;
  };

  const handlers: Readonly<Record<string, (d: Data) => void>> = {
    start(d) {
      if (typeof d.id === "string") state.message_id = d.id;
      if (typeof d.model === "string") state.model = d.model;
    },
    text(d) {
      if (typeof d.text !== "string") return;
      if (inText) state.text_blocks[state.text_blocks.length - 1] += d.text;
      else state.text_blocks.push(d.text);
      inText = true;
    },
    tool_call_start(d) {
      inText = false;
      const call: StreamingToolCall = {
        index: count(d.index),
        id: typeof d.id === "string" ? d.id : "",
        name: typeof d.name === "string" ? d.name : "",
        arguments_json: "",
        is_complete: false,
      };
      calls.set(call.index, call);
      state.tool_calls.push(call);
    },
    tool_call_delta(d) {
      const call = calls.get(count(d.index));
      if (call && !call.is_complete && typeof d.json === "string") call.arguments_json += d.json;
    },
    tool_call_end(d) {
      const call = calls.get(count(d.index));
      if (call && !call.is_complete) completeToolCall(call);
    },
    done(d) {
      // The message is whole: a call whose end never came is closed (and parsed) now.
      for (const call of state.tool_calls) if (!call.is_complete) completeToolCall(call);
      const usage = (d.usage ?? {}) as Data;
      const cached = count(usage.cached_tokens);
      state.usage.input_tokens = Math.max(0, count(usage.input_tokens) - cached);
      state.usage.output_tokens = count(usage.output_tokens);
      state.usage.cache_read_tokens = cached;
      state.stop_reason = STOP_REASONS[String(d.stop_reason)] ?? "other";
      state.clean_finish = true;
      ended = true;
    },
    error(d) {
      const error = (d.error ?? {}) as Data;
      fail(
        typeof error.type === "string" ? error.type : "error",
        typeof error.message === "string" ? error.message : "the stream reported an error",
      );
    },
  };

  return {
    state,
    push(event: SinkEvent) {
      state.events++;
      if (ended) return;
      // http_client's `return` body may hand `data` back already parsed: take it as it is.
      let data: unknown = event.data;
      try {
        if (typeof data === "string") data = JSON.parse(data);
      } catch (error) {
        fail("invalid_event", `event #${state.events}: ${(error as Error).message}`);
        return;
      }
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        fail("invalid_event", `event #${state.events}: data is not a JSON object`);
        return;
      }
      const type = (data as Data).type;
      // Unknown types (keep-alives, newer features) are counted and otherwise ignored.
      if (typeof type === "string" && Object.hasOwn(handlers, type)) handlers[type]!(data as Data);
    },
  };
}
