import type { ProviderRequest, StreamState } from "@kiwi/spec";

/** The outcome of one model call: the neutral state built from its stream, and how the stream ended. */
export interface ModelCallResult {
  readonly state: StreamState;
  /** Set when the stream ended early (cut, timeout, abort): completed tool calls may still be used. */
  readonly interrupted?: { readonly code: string; readonly message: string };
}

/** Calls a model. The generic harness knows nothing of providers, HTTP or tokens. */
export interface ModelClient {
  call(
    request: ProviderRequest,
    options: { signal?: AbortSignal; onUpdate?: (state: StreamState) => void },
  ): Promise<ModelCallResult>;
}
