import { completeToolCall } from "@kiwi/provider-utils";
import {
  emptyStreamState,
  type ProviderStreamParser,
  type SinkEvent,
  type StopReason,
  type StreamingToolCall,
  type StreamState,
} from "@kiwi/spec";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";

/** A streamed chunk, or the error object a server sends in place of one mid-stream. */
type WireChunk = Partial<ChatCompletionChunk> & {
  error?: { message?: unknown; type?: unknown; code?: unknown } | null;
};

/** Maps a Chat Completions `finish_reason` to the neutral StopReason. */
export function mapOpenAIFinishReason(reason: string): StopReason {
  switch (reason) {
    case "stop":
      return "end_turn";
    case "tool_calls":
      return "tool_use";
    case "length":
      return "max_tokens";
    case "content_filter":
      return "refusal";
    default:
      // Includes the legacy `function_call`, which this adapter does not parse.
      return "other";
  }
}

function fail(state: StreamState, type: string, message: string): void {
  state.error = { type, message };
  state.stop_reason = "error";
}

/**
 * Feeds OpenAI Chat Completions stream chunks into a neutral StreamState. Only choice 0 is read (Kiwi
 * never asks for n > 1). One JSON.parse per event (none when `data` arrives already parsed, as in
 * http_client's `return` body), strings appended in place. Tool calls are keyed by
 * their `index`; a finish_reason (or `[DONE]`) closes every open call and parses its arguments. Usage
 * counts are made disjoint: `input_tokens` = prompt_tokens − cached_tokens. It never throws: a chunk
 * that is not JSON ends the stream with `state.error` (type `invalid_event`).
 */
export function createOpenAIStreamParser(): ProviderStreamParser {
  const state = emptyStreamState();
  const byIndex: (StreamingToolCall | undefined)[] = [];
  let refused = false;
  let done = false;

  const closeOpen = (): void => {
    for (const call of state.tool_calls) if (!call.is_complete) completeToolCall(call);
  };

  const appendText = (text: string): void => {
    if (state.text_blocks.length === 0) state.text_blocks.push(text);
    else state.text_blocks[0] += text;
  };

  const apply = (chunk: WireChunk): void => {
    const error = chunk.error;
    if (error !== undefined && error !== null) {
      const type =
        typeof error.type === "string" ? error.type : typeof error.code === "string" ? error.code : "error";
      fail(state, type, typeof error.message === "string" ? error.message : "the stream reported an error");
      done = true;
      return;
    }
    if (state.message_id === undefined && typeof chunk.id === "string") state.message_id = chunk.id;
    if (state.model === undefined && typeof chunk.model === "string") state.model = chunk.model;
    const choices = chunk.choices;
    if (choices) {
      for (let i = 0; i < choices.length; i++) {
        const choice = choices[i]!;
        if (choice.index !== 0) continue;
        const delta = choice.delta;
        if (delta) {
          const content = delta.content;
          if (typeof content === "string" && content !== "") appendText(content);
          const refusal = delta.refusal;
          if (typeof refusal === "string" && refusal !== "") {
            refused = true;
            appendText(refusal);
          }
          const calls = delta.tool_calls;
          if (calls) {
            for (let j = 0; j < calls.length; j++) {
              const fragment = calls[j]!;
              const index = typeof fragment.index === "number" ? fragment.index : j;
              const fn = fragment.function;
              let call = byIndex[index];
              if (call === undefined) {
                call = {
                  index,
                  id: typeof fragment.id === "string" ? fragment.id : "",
                  name: typeof fn?.name === "string" ? fn.name : "",
                  arguments_json: "",
                  is_complete: false,
                };
                byIndex[index] = call;
                state.tool_calls.push(call);
              } else if (call.is_complete) continue;
              else {
                if (typeof fragment.id === "string" && fragment.id !== "") call.id = fragment.id;
                if (typeof fn?.name === "string" && fn.name !== "") call.name = fn.name;
              }
              const args = fn?.arguments;
              if (typeof args === "string") call.arguments_json += args;
            }
          }
        }
        const finish = choice.finish_reason;
        if (finish) {
          closeOpen();
          state.stop_reason = refused && finish === "stop" ? "refusal" : mapOpenAIFinishReason(finish);
        }
      }
    }
    const usage = chunk.usage;
    if (usage) {
      const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
      state.usage.input_tokens = Math.max(0, (usage.prompt_tokens ?? 0) - cached);
      state.usage.output_tokens = usage.completion_tokens ?? 0;
      state.usage.cache_read_tokens = cached;
    }
  };

  return {
    state,
    push(event: SinkEvent): void {
      state.events++;
      if (done) return;
      // http_client's `return` body hands events back with `data` already parsed; take it as it is.
      const data: unknown = event.data;
      if (typeof data === "string" && data.startsWith("[DONE]")) {
        closeOpen();
        state.clean_finish = true;
        done = true;
        return;
      }
      try {
        const chunk = (typeof data === "string" ? JSON.parse(data) : data) as WireChunk;
        if (typeof chunk !== "object" || chunk === null) throw new TypeError("data is not a JSON object");
        apply(chunk);
      } catch (error) {
        fail(state, "invalid_event", `event ${event.event} #${state.events}: ${(error as Error).message}`);
        done = true;
      }
    },
  };
}
