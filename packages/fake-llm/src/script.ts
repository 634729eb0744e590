/**
 * The fake LLM's script: plain, JSON-serialisable data, so a test or the `kiwi demo` command can keep it
 * in a file. Each request to either endpoint consumes the next turn; both wire formats are rendered from
 * the same turn, so one script drives an Anthropic and an OpenAI harness alike.
 */

/** Why the model stopped, in Anthropic's words (mapped to OpenAI's `finish_reason` on that endpoint). */
export type FakeStopReason = "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";

/** One tool call the fake model makes. `arguments` is sent as JSON, split into many fragments when streaming. */
export interface FakeToolCall {
  /** Sent verbatim when given; otherwise a fresh `toolu_…` (Anthropic) or `call_…` (OpenAI) id. */
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * Token counts, with Anthropic's meaning: `input_tokens` excludes cached tokens. On the OpenAI endpoint
 * `prompt_tokens` = input + cache_read + cache_creation and `prompt_tokens_details.cached_tokens` =
 * cache_read (OpenAI reports no cache writes).
 */
export interface FakeUsage {
  /** Default 100. */
  input_tokens?: number;
  /** Default: about one token per four characters of text and JSON arguments (at least 1). */
  output_tokens?: number;
  /** Default 0. */
  cache_read_tokens?: number;
  /** Default 0. */
  cache_creation_tokens?: number;
}

/** An error the provider reports: Anthropic `error.type` (e.g. `overloaded_error`) or OpenAI `error.type`. */
export interface FakeError {
  type: string;
  message: string;
}

export interface FakeTurn {
  /** Assistant text, sent before any tool call. */
  text?: string;
  tool_calls?: FakeToolCall[];
  usage?: FakeUsage;
  /** Default `tool_use` when `tool_calls` is non-empty, else `end_turn`. */
  stop_reason?: FakeStopReason;
  /** The model reported back; default the request's `model`, else `fake-model`. */
  model?: string;
  /** Text and JSON argument pieces are this many characters (code points) long; default 8. */
  chunk_size?: number;
  /** Milliseconds to wait between SSE events (streaming answers only); default 0. */
  delay_ms?: number;
  /**
   * Destroy the socket after this many bytes of the response body (any byte, even inside an SSE event
   * or a UTF-8 character). The connection is always destroyed, never ended cleanly, even when the whole
   * body fits within the budget.
   */
  drop_after_bytes?: number;
  /**
   * Streaming: after the content, instead of the normal ending, an Anthropic `event: error` or an OpenAI
   * `{"error": …}` chunk. Non-streaming: an HTTP error whose status follows from `type`
   * (rate_limit_error → 429, overloaded_error → 529, invalid_request_error → 400, else 500).
   */
  error?: FakeError;
  /**
   * Answer with this HTTP status (400–599) and the provider's error JSON (429 adds `retry-after: 1`);
   * `error`, when also given, supplies the body's type and message. Nothing else of the turn is sent.
   */
  http_status?: number;
  /** Anthropic only: also send a `ping` event after every N events (one ping is always sent, as the API does). */
  ping_every?: number;
}

export interface FakeScript {
  turns: FakeTurn[];
  /**
   * Per-conversation scripts for concurrent runs (threads): a request whose first user message contains
   * `match` takes the next turn of the first such route (each route keeps its own place); any other
   * request takes the shared `turns`.
   */
  routes?: FakeRoute[];
}

export interface FakeRoute {
  match: string;
  turns: FakeTurn[];
}

/** What the server answers once every turn is used: it never hangs. */
export const EXHAUSTED_TURN: Readonly<FakeTurn> = Object.freeze({
  text: "(script exhausted)",
  stop_reason: "end_turn",
});
