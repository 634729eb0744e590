/**
 * The provider-neutral conversation and stream state every harness and provider adapter shares. A
 * provider plugin translates these to and from its API (Anthropic Messages, OpenAI Chat Completions).
 */

/** A tool the model may call: the name, what it does and a JSON Schema of its arguments. */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly input_schema: Record<string, unknown>;
}

/** A completed tool call as the model made it. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

export interface ToolResult {
  readonly tool_call_id: string;
  /** What the model reads (JSON text for structured results). */
  readonly content: string;
  readonly is_error?: boolean;
}

export type NeutralMessage =
  | { readonly role: "user"; readonly content: string }
  | { readonly role: "assistant"; readonly text: string; readonly tool_calls: readonly ToolCall[] }
  | { readonly role: "tool"; readonly results: readonly ToolResult[] };

/**
 * Token counts of one call (or a sum). The counts are disjoint: `input_tokens` excludes cached prefix
 * tokens, which are counted in `cache_read_tokens` (read from cache) and `cache_creation_tokens` (written
 * to it), so each can be billed at its own price.
 */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
}

/** One tool call as it streams in: arguments arrive as partial JSON until the call completes. */
export interface StreamingToolCall {
  readonly index: number;
  id: string;
  name: string;
  /** The raw JSON text accumulated so far. */
  arguments_json: string;
  /** Parsed arguments, once `is_complete` and the JSON parsed. */
  arguments?: Record<string, unknown>;
  /** The provider closed this call (content_block_stop, finish_reason, [DONE]). */
  is_complete: boolean;
  /** Set when the completed JSON did not parse into an object: such a call is never executed. */
  parse_error?: string;
}

export type StopReason =
  | "end_turn"
  | "tool_use"
  | "max_tokens"
  | "stop_sequence"
  | "refusal"
  | "error"
  | "other";

/** What a provider adapter builds from one streamed response. */
export interface StreamState {
  message_id?: string;
  model?: string;
  /** Text blocks in order (a response may interleave text and tool calls). */
  text_blocks: string[];
  tool_calls: StreamingToolCall[];
  usage: Usage;
  stop_reason: StopReason | null;
  /** The provider's end-of-message marker arrived (message_stop, `data: [DONE]`). */
  clean_finish: boolean;
  /** An error event in the stream. */
  error?: { type: string; message: string };
  /** Events consumed so far. */
  events: number;
}

export function emptyStreamState(): StreamState {
  return {
    text_blocks: [],
    tool_calls: [],
    usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
    stop_reason: null,
    clean_finish: false,
    events: 0,
  };
}
