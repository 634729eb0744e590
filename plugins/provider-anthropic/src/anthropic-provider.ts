import type { ProviderV1 } from "@kiwi/spec";
import { createAnthropicStreamParser } from "./anthropic-stream-parser";
import { formatAnthropicRequest } from "./format-anthropic-request";

/** No settings yet: the endpoint, key and limits live in the tool YAML and the environment. */
export type AnthropicProviderSettings = Record<string, never>;

/**
 * The `anthropic` provider (`provider-v1`): builds `anthropic_thread` parameters from neutral messages and
 * parses the Messages stream that thread tool returns into the neutral StreamState.
 */
export function createAnthropicProvider(_settings: AnthropicProviderSettings = {}): ProviderV1 {
  return {
    specificationVersion: "provider-v1",
    id: "anthropic",
    threadTool: "anthropic_thread",
    formatRequest: formatAnthropicRequest,
    createStreamParser: createAnthropicStreamParser,
  };
}
