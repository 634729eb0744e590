// Public API of @kiwi/provider-anthropic, listed by name on purpose (no `export *`): what is not here is
// internal. The endpoint and thread tools are data in `.ai/tools/llm/`; pricing, limits and tier data is
// `data/pricing.yaml`; the helpers that read it are @kiwi/provider-utils'.

export type { Cost, ModelPrice, PricedModel, Pricing } from "@kiwi/provider-utils";
export { parsePricing } from "@kiwi/provider-utils";
export { anthropicModels } from "./anthropic-models";
export type { AnthropicProviderSettings } from "./anthropic-provider";
export { createAnthropicProvider } from "./anthropic-provider";
export { createAnthropicStreamParser, mapAnthropicStopReason } from "./anthropic-stream-parser";
export type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicRequestParams,
  AnthropicTool,
} from "./format-anthropic-request";
export { formatAnthropicRequest } from "./format-anthropic-request";
export { contextWindowOf, costOf, findModel, loadPricing, maxOutputTokensOf } from "./pricing";
