import type { ProviderV1 } from "@kiwi/spec";
import { formatOpenAIRequest } from "./format-openai-request";
import { createOpenAIStreamParser } from "./openai-stream-parser";

/** No settings yet: the endpoint, key and limits live in the tool YAML and the environment. */
export type OpenAIProviderSettings = Record<string, never>;

/**
 * The `openai` provider (`provider-v1`): builds `openai_thread` parameters from neutral messages and
 * parses the Chat Completions stream that thread tool returns into the neutral StreamState.
 */
export function createOpenAIProvider(_settings: OpenAIProviderSettings = {}): ProviderV1 {
  return {
    specificationVersion: "provider-v1",
    id: "openai",
    threadTool: "openai_thread",
    formatRequest: formatOpenAIRequest,
    createStreamParser: createOpenAIStreamParser,
  };
}
