// Public API of @kiwi/provider-utils/node, listed by name: the parts that read files (Node only).

export type { PricingFile } from "./node/pricing-file";
export { pricingFile } from "./node/pricing-file";
