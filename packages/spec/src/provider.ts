import type { NeutralMessage, StreamState, ToolSpec, Usage } from "./conversation";
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
 * What one model call cost, from the provider's pricing data. A model without a price is `unpriced`,
 * never `$0`. `price_effective_from` is the day (YYYY-MM-DD) the applied price took effect, when known.
 */
export type ModelCost =
  | { readonly usd: number; readonly price_effective_from?: string }
  | { readonly unpriced: true };

/**
 * The model data a host needs to budget and pick models without importing the provider package: a
 * provider plugin fills it from the pricing and limits data it ships. Every lookup answers for the ids
 * the data knows (and their aliases); anything else is unknown (`undefined`, `unpriced`).
 */
export interface ProviderModels {
  /** Cost of one call of `model` with `usage`, at the price in force on `at` (default: now). */
  costOf(model: string, usage: Usage, at?: Date): ModelCost;
  /** Context window of `model` in tokens, when known. */
  contextWindow(model: string): number | undefined;
  /** Most output tokens `model` produces in one response, when known. */
  maxOutputTokens(model: string): number | undefined;
  /**
   * A directive's `<model tier>` → this provider's default model id. Tiers Kiwi uses (`MODEL_TIERS`):
   * `fast`, `balanced`, `general`, `reasoning`, `expert`, `orchestrator`; a host falls back to
   * `balanced`. First-party providers keep the map in their pricing data, beside the prices.
   */
  readonly tiers?: Readonly<Record<string, string>>;
  /**
   * True when `model` is one of this provider's ids (known to its data or following its naming, e.g.
   * `claude-*`): a host uses it to honour a directive's `<model id>` only on the provider serving it.
   * Without it, a host treats the ids `contextWindow` knows as the provider's.
   */
  owns?(model: string): boolean;
}

/**
 * Names of the environment variables the provider's endpoint tools read (the official SDKs' names), so a
 * host can pick a provider from the keys that are set and tell the user what to set. No values here.
 */
export interface ProviderEnv {
  /** The API key variable (`ANTHROPIC_API_KEY`); absent when the endpoint needs no key. */
  readonly apiKey?: string;
  /** The endpoint override variable (`ANTHROPIC_BASE_URL`). */
  readonly baseUrl?: string;
  /** The endpoint used when `baseUrl` is unset. */
  readonly defaultBaseUrl?: string;
}

/**
 * Provider plugin contract (`provider-v1`). The plugin also ships its endpoint tools as data (the
 * `llm/*_messages.yaml` / `*_thread.yaml` chain to http_client) and its pricing and context-window data,
 * and a `tool_type: provider` definition naming the factory (`module` + `export`), so hosts select and
 * instantiate it from data (`kernel.instantiatePlugin({itemId, kind: PROVIDER_KIND})`) without importing
 * the package.
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
  /** Pricing, limits and tier defaults of the provider's models (optional: without it, unpriced). */
  readonly models?: ProviderModels;
  /** The environment variables its endpoint tools read (optional). */
  readonly env?: ProviderEnv;
}
