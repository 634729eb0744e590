import type { ProviderV1, SinkV1 } from "@kiwi/spec";
import type { ModelCallResult, ModelClient } from "./model-client";
import { createStateSink } from "./state-sink";

/**
 * A tool runner with the kernel's `execute(tool, run)` shape: failures come back as `{success: false, error}`.
 * `sinks` are the caller's own sinks for a streaming tool (the kernel's `CallOptions.sinks`): hand the
 * options on whole, or the model client's parsing sink never sees the stream.
 */
export type ToolRunner = (
  toolId: string,
  parameters: Record<string, unknown>,
  options: { meta: Record<string, unknown>; sinks?: readonly SinkV1[]; signal?: AbortSignal },
) => Promise<{
  readonly success: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}>;

/**
 * A model client that runs the provider's thread tool (data: endpoint YAML over http_client) and parses
 * the stream as it arrives through its own sink, handed to the tool layer as `sinks` (nothing is buffered
 * into the tool's result). Extra fields of `params` (e.g. `thread_id`) and `meta` (a harness token) are
 * passed on.
 */
export function createToolModelClient(options: {
  provider: ProviderV1;
  run: ToolRunner;
  params?: Record<string, unknown>;
  meta?: () => Record<string, unknown>;
}): ModelClient {
  return {
    async call(request, { signal, onUpdate }): Promise<ModelCallResult> {
      const parser = options.provider.createStreamParser();
      const sink = createStateSink(parser, onUpdate);
      const result = await options.run(
        options.provider.threadTool,
        { ...options.provider.formatRequest(request), ...(options.params ?? {}) },
        { meta: options.meta?.() ?? {}, sinks: [sink], signal },
      );
      if (result.success && parser.state.clean_finish) return { state: parser.state };
      const error = result.error ?? {
        code: "STREAM_INCOMPLETE",
        message: "the model's stream ended before its end marker",
      };
      return { state: parser.state, interrupted: { code: error.code, message: error.message } };
    },
  };
}
