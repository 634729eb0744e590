import type { ProviderV1 } from "@kiwi/spec";
import { formatOpenAIRequest } from "./format-openai-request";
import { openaiModels } from "./openai-models";
import { createOpenAIStreamParser } from "./openai-stream-parser";

/** No settings yet: the endpoint, key and limits live in the tool YAML and the environment. */
export type OpenAIProviderSettings = Record<string, never>;

/**
 * The `openai` provider (`provider-v1`): builds `openai_thread` parameters from neutral messages and
 * parses the Chat Completions stream that thread tool returns into the neutral StreamState. `models`
 * carries the pricing, limits and tier defaults of `data/pricing.yaml`; `env` names the variables the
 * endpoint tools read. Hosts instantiate it from its data definition (`.ai/tools/llm/openai_provider.yaml`).
 */
export function createOpenAIProvider(_settings: OpenAIProviderSettings = {}): ProviderV1 {
  return {
    specificationVersion: "provider-v1",
    id: "openai",
    threadTool: "openai_thread",
    formatRequest: formatOpenAIRequest,
    createStreamParser: createOpenAIStreamParser,
    models: openaiModels(),
    env: {
      apiKey: "OPENAI_API_KEY",
      baseUrl: "OPENAI_BASE_URL",
      defaultBaseUrl: "https://api.openai.com/v1",
    },
  };
}
