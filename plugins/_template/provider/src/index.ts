// Public API, listed by name on purpose (no `export *`): what is not here is internal. The endpoint and
// thread tools are data in `.ai/tools/llm/`, the provider definition `.ai/tools/providers/`, and the
// pricing, limits and tiers `data/pricing.yaml`.

export { formatTemplateRequest } from "./format-template-request";
export { contextWindowOf, costOf, loadPricing } from "./pricing";
export type { TemplateProviderSettings } from "./template-provider";
export { createTemplateProvider, templateProviderSettingsSchema } from "./template-provider";
export { createTemplateStreamParser } from "./template-stream-parser";
export type { TemplateMessage, TemplateRequestParams, TemplateTool } from "./template-wire";
