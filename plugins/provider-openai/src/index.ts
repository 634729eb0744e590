// Public API of @kiwi/provider-openai, listed by name on purpose (no `export *`): what is not here is
// internal. The endpoint and thread tools are data in `.ai/tools/llm/`; pricing data is `data/pricing.yaml`.

export type { Cost } from "./cost-of";
export { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";
export type { OpenAIMessage, OpenAIRequestParams, OpenAITool, OpenAIToolCall } from "./format-openai-request";
export { formatOpenAIRequest } from "./format-openai-request";
export { loadPricing } from "./load-pricing";
export { OPENAI_TIERS, openaiModels } from "./openai-models";
export type { OpenAIProviderSettings } from "./openai-provider";
export { createOpenAIProvider } from "./openai-provider";
export { createOpenAIStreamParser, mapOpenAIFinishReason } from "./openai-stream-parser";
export type { ModelPrice, PricedModel, Pricing } from "./parse-pricing";
export { parsePricing } from "./parse-pricing";
