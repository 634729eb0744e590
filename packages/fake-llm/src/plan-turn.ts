import type { FakeError, FakeStopReason, FakeTurn } from "./script";

/** A turn with every default filled in: what both wire renderers work from. */
export interface PlannedTurn {
  readonly text: string;
  readonly toolCalls: readonly PlannedToolCall[];
  readonly stopReason: FakeStopReason;
  readonly model: string;
  readonly usage: PlannedUsage;
  readonly chunkSize: number;
  readonly delayMs: number;
  readonly dropAfterBytes: number | undefined;
  readonly error: FakeError | undefined;
  readonly httpStatus: number | undefined;
  readonly pingEvery: number | undefined;
}

export interface PlannedToolCall {
  readonly id: string | undefined;
  readonly name: string;
  /** `JSON.stringify(arguments)`: the exact text the fragments add up to. */
  readonly argumentsJson: string;
}

export interface PlannedUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_tokens: number;
  readonly cache_creation_tokens: number;
}

export const DEFAULT_MODEL = "fake-model";
const DEFAULT_CHUNK_SIZE = 8;
const DEFAULT_INPUT_TOKENS = 100;

export function planTurn(turn: FakeTurn, requestedModel: unknown): PlannedTurn {
  const text = turn.text ?? "";
  const toolCalls = (turn.tool_calls ?? []).map((call) => ({
    id: call.id,
    name: call.name,
    argumentsJson: JSON.stringify(call.arguments ?? {}),
  }));
  // About four characters per token: close enough for budgets, and never zero, like a real reply.
  const characters = text.length + toolCalls.reduce((sum, call) => sum + call.argumentsJson.length, 0);
  const usage = turn.usage ?? {};
  return {
    text,
    toolCalls,
    stopReason: turn.stop_reason ?? (toolCalls.length > 0 ? "tool_use" : "end_turn"),
    model:
      turn.model ?? (typeof requestedModel === "string" && requestedModel ? requestedModel : DEFAULT_MODEL),
    usage: {
      input_tokens: usage.input_tokens ?? DEFAULT_INPUT_TOKENS,
      output_tokens: usage.output_tokens ?? Math.max(1, Math.ceil(characters / 4)),
      cache_read_tokens: usage.cache_read_tokens ?? 0,
      cache_creation_tokens: usage.cache_creation_tokens ?? 0,
    },
    chunkSize: turn.chunk_size ?? DEFAULT_CHUNK_SIZE,
    delayMs: turn.delay_ms ?? 0,
    dropAfterBytes: turn.drop_after_bytes,
    error: turn.error,
    httpStatus: turn.http_status,
    pingEvery: turn.ping_every,
  };
}
