import type { PlannedTurn } from "./plan-turn";
import { randomId } from "./random-id";
import type { FakeStopReason } from "./script";
import { splitPieces } from "./split-pieces";

/**
 * Renders a planned turn in the OpenAI Chat Completions wire format: `chat.completion.chunk` objects as
 * the official SDK's ChatCompletionStream accumulates them, the non-streaming `chat.completion`, and the
 * error body.
 */

type Json = Record<string, unknown>;

const FINISH_REASONS: Record<FakeStopReason, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  tool_use: "tool_calls",
  max_tokens: "length",
};

export function openaiFinishReason(stopReason: FakeStopReason): string {
  return FINISH_REASONS[stopReason];
}

function callIds(turn: PlannedTurn): string[] {
  return turn.toolCalls.map((call) => call.id ?? randomId("call_", 24));
}

/** OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens do not (see FakeUsage). */
export function openaiUsage(usage: PlannedTurn["usage"]): Json {
  const prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_creation_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output_tokens,
    total_tokens: prompt + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: usage.cache_read_tokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export interface OpenaiChunkOptions {
  readonly id: string;
  readonly created: number;
  /** `stream_options.include_usage` of the request: adds `usage: null` to every chunk and a usage chunk. */
  readonly includeUsage: boolean;
}

/** The `data:` payloads in order, ending in `[DONE]` (or, with `turn.error`, in an error object). */
export function openaiChunks(turn: PlannedTurn, options: OpenaiChunkOptions): string[] {
  const chunk = (choices: Json[], usage: Json | null = null): string =>
    JSON.stringify({
      id: options.id,
      object: "chat.completion.chunk",
      created: options.created,
      model: turn.model,
      choices,
      ...(options.includeUsage ? { usage } : {}),
    });
  const delta = (fields: Json, finish_reason: string | null = null): Json => ({
    index: 0,
    delta: fields,
    logprobs: null,
    finish_reason,
  });

  const out = [chunk([delta({ role: "assistant", content: turn.text ? "" : null, refusal: null })])];
  for (const piece of splitPieces(turn.text, turn.chunkSize)) out.push(chunk([delta({ content: piece })]));
  const ids = callIds(turn);
  turn.toolCalls.forEach((call, index) => {
    const opening = { index, id: ids[index], type: "function", function: { name: call.name, arguments: "" } };
    out.push(chunk([delta({ tool_calls: [opening] })]));
    for (const fragment of splitPieces(call.argumentsJson, turn.chunkSize)) {
      out.push(chunk([delta({ tool_calls: [{ index, function: { arguments: fragment } }] })]));
    }
  });
  if (turn.error) {
    out.push(
      JSON.stringify({
        error: { message: turn.error.message, type: turn.error.type, param: null, code: null },
      }),
    );
    return out;
  }
  out.push(chunk([delta({}, openaiFinishReason(turn.stopReason))]));
  if (options.includeUsage) out.push(chunk([], openaiUsage(turn.usage)));
  out.push("[DONE]");
  return out;
}

/** `data: <payload>\n\n`, the API's framing (no `event:` lines). */
export function openaiFrame(payload: string): string {
  return `data: ${payload}\n\n`;
}

/** The non-streaming `chat.completion` JSON. */
export function openaiCompletion(turn: PlannedTurn, options: { id: string; created: number }): Json {
  const ids = callIds(turn);
  const message: Json = { role: "assistant", content: turn.text || null, refusal: null, annotations: [] };
  if (turn.toolCalls.length > 0) {
    message.tool_calls = turn.toolCalls.map((call, i) => ({
      id: ids[i],
      type: "function",
      function: { name: call.name, arguments: call.argumentsJson },
    }));
  }
  return {
    id: options.id,
    object: "chat.completion",
    created: options.created,
    model: turn.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: openaiFinishReason(turn.stopReason) }],
    usage: openaiUsage(turn.usage),
  };
}

const ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory" },
  404: { type: "invalid_request_error", code: null },
  429: { type: "requests", code: "rate_limit_exceeded" },
  500: { type: "server_error", code: null },
  503: { type: "server_error", code: null },
};

/** `{error: {message, type, param, code}}`, the API's error body. */
export function openaiErrorBody(status: number, message: string, type?: string): Json {
  const known = ERRORS[status] ?? {
    type: status >= 500 ? "server_error" : "invalid_request_error",
    code: null,
  };
  return { error: { message, type: type ?? known.type, param: null, code: known.code } };
}
