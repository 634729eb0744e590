import type { NeutralMessage, StreamState, ToolSpec } from "./conversation";
import type { SinkEvent } from "./sink";

/** Feeds one provider's streamed events (SSE `{event, data}`) into a neutral StreamState. */
export interface ProviderStreamParser {
  readonly state: StreamState;
  push(event: SinkEvent): void;
}

/** What a harness asks a provider to build: the body parameters of its endpoint tool. */
export interface ProviderRequest {
  readonly model: string;
  readonly system: string;
  readonly messages: readonly NeutralMessage[];
  readonly tools: readonly ToolSpec[];
  readonly max_tokens: number;
}

/**
 * Provider plugin contract (`provider-v1`). The plugin also ships its endpoint tools as data (the
 * `llm/*_messages.yaml` / `*_thread.yaml` chain to http_client) and its pricing and context-window data.
 */
export interface ProviderV1 {
  readonly specificationVersion: "provider-v1";
  /** Stable id: `anthropic`, `openai`. */
  readonly id: string;
  /** The thread tool a harness runs to stream one model call (e.g. `anthropic_thread`). */
  readonly threadTool: string;
  /** Parameters for the thread tool: model, messages and tools in the provider's wire format. */
  formatRequest(request: ProviderRequest): Record<string, unknown>;
  createStreamParser(): ProviderStreamParser;
}
