// Public API, listed by name on purpose (no `export *`): what is not here is internal.

export type { TemplateHarnessSettings } from "./template-harness";
export { createTemplateHarness, templateHarnessSettingsSchema } from "./template-harness";
