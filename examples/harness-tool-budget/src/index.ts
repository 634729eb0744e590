// Public API of @kiwi-examples/harness-tool-budget, listed by name on purpose (no `export *`): what is not
// here is internal. The data definition is .ai/tools/harnesses/tool_budget_harness.yaml.

export { createToolBudgetHarness } from "./tool-budget-harness";
export type {
  ResolvedToolBudgetHarnessSettings,
  ToolBudgetHarnessSettings,
} from "./tool-budget-harness-settings";
export { toolBudgetHarnessSettingsSchema } from "./tool-budget-harness-settings";
export { ToolBudgetRunner } from "./tool-budget-runner";
