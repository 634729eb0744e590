// Public API of @kiwi/provider-anthropic, listed by name on purpose (no `export *`): what is not here is
// internal. The endpoint and thread tools are data in `.ai/tools/llm/`; pricing data is `data/pricing.yaml`.

export { ANTHROPIC_TIERS, anthropicModels } from "./anthropic-models";
export type { AnthropicProviderSettings } from "./anthropic-provider";
export { createAnthropicProvider } from "./anthropic-provider";
export { createAnthropicStreamParser, mapAnthropicStopReason } from "./anthropic-stream-parser";
export type { Cost } from "./cost-of";
export { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";
export type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicRequestParams,
  AnthropicTool,
} from "./format-anthropic-request";
export { formatAnthropicRequest } from "./format-anthropic-request";
export { loadPricing } from "./load-pricing";
export type { ModelPrice, PricedModel, Pricing } from "./parse-pricing";
export { parsePricing } from "./parse-pricing";
