// Public API of @kiwi/provider-openai, listed by name on purpose (no `export *`): what is not here is
// internal. The endpoint and thread tools are data in `.ai/tools/llm/`; pricing, limits and tier data is
// `data/pricing.yaml`; the helpers that read it are @kiwi/provider-utils'.

export type { Cost, ModelPrice, PricedModel, Pricing } from "@kiwi/provider-utils";
export { parsePricing } from "@kiwi/provider-utils";
export type { OpenAIMessage, OpenAIRequestParams, OpenAITool, OpenAIToolCall } from "./format-openai-request";
export { formatOpenAIRequest } from "./format-openai-request";
export { openaiModels } from "./openai-models";
export type { OpenAIProviderSettings } from "./openai-provider";
export { createOpenAIProvider } from "./openai-provider";
export { createOpenAIStreamParser, mapOpenAIFinishReason } from "./openai-stream-parser";
export { contextWindowOf, costOf, findModel, loadPricing, maxOutputTokensOf } from "./pricing";
