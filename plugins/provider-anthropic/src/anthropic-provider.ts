import type { ProviderV1 } from "@kiwi/spec";
import { anthropicModels } from "./anthropic-models";
import { createAnthropicStreamParser } from "./anthropic-stream-parser";
import { formatAnthropicRequest } from "./format-anthropic-request";

/** No settings yet: the endpoint, key and limits live in the tool YAML and the environment. */
export type AnthropicProviderSettings = Record<string, never>;

/**
 * The `anthropic` provider (`provider-v1`): builds `anthropic_thread` parameters from neutral messages and
 * parses the Messages stream that thread tool returns into the neutral StreamState. `models` carries the
 * pricing, limits and tier defaults of `data/pricing.yaml`; `env` names the variables the endpoint tools
 * read. Hosts instantiate it from its data definition (`.ai/tools/llm/anthropic_provider.yaml`).
 */
export function createAnthropicProvider(_settings: AnthropicProviderSettings = {}): ProviderV1 {
  return {
    specificationVersion: "provider-v1",
    id: "anthropic",
    threadTool: "anthropic_thread",
    formatRequest: formatAnthropicRequest,
    createStreamParser: createAnthropicStreamParser,
    models: anthropicModels(),
    env: {
      apiKey: "ANTHROPIC_API_KEY",
      baseUrl: "ANTHROPIC_BASE_URL",
      defaultBaseUrl: "https://api.anthropic.com",
    },
  };
}
