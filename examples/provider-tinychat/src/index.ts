// Public API of @kiwi-examples/provider-tinychat, listed by name on purpose (no `export *`): what is not
// here is internal. The endpoint and thread tools are data in `.ai/tools/llm/`, the provider definition is
// `.ai/tools/providers/tinychat_provider.yaml`, and the pricing data is `data/pricing.yaml`.

export { formatTinychatRequest } from "./format-tinychat-request";
export { contextWindowOf, costOf, findModel, loadPricing, maxOutputTokensOf } from "./pricing";
export type { TinychatProviderSettings } from "./tinychat-provider";
export { createTinychatProvider, tinychatProviderSettingsSchema } from "./tinychat-provider";
export { createTinychatStreamParser, mapTinychatFinishReason } from "./tinychat-stream-parser";
export type {
  TinychatFinishReason,
  TinychatFunction,
  TinychatRequestParams,
  TinychatTurn,
  TinychatUsage,
} from "./tinychat-wire";
