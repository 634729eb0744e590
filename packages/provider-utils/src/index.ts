// Public API of @kiwi/provider-utils, listed by name on purpose (no `export *`): what is not here is
// internal. Runtime-neutral; reading a shipped pricing file is `@kiwi/provider-utils/node`.

export { completeToolCall } from "./complete-tool-call";
export type { Cost } from "./cost-of";
export { contextWindowOf, costOf, findModel, maxOutputTokensOf } from "./cost-of";
export { parsePricing } from "./parse-pricing";
export type { ModelPrice, PricedModel, Pricing, PricingProblem } from "./pricing-types";
export { createProviderModels } from "./provider-models";
