// Public API of @kiwi/harness-minimal, listed by name on purpose (no `export *`).

export type { MinimalHarnessSettings } from "./minimal-harness";
export { createMinimalHarness, minimalHarnessSettingsSchema } from "./minimal-harness";
