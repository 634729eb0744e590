// Public API of @kiwi/harness-minimal, listed by name on purpose (no `export *`).
export { createMinimalHarness, minimalHarnessSettingsSchema } from "./minimal-harness";
export type { MinimalHarnessSettings } from "./minimal-harness";
