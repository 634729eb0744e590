import type { HarnessV1 } from "@kiwi/spec";
import {
  type ToolBudgetHarnessSettings,
  toolBudgetHarnessSettingsSchema,
} from "./tool-budget-harness-settings";
import { type ToolBudgetHarnessContext, ToolBudgetRunner } from "./tool-budget-runner";

/**
 * `harness-v1` plugin: the model sees an explicit list of Kiwi tools under a custom system prompt and may
 * make at most `max_tool_calls` calls; then it gets one turn without tools to answer. The factory takes the
 * settings; each `createRunner(context)` builds one conversation.
 */
export function createToolBudgetHarness(
  settings: ToolBudgetHarnessSettings,
): HarnessV1<ToolBudgetHarnessContext> {
  const parsed = toolBudgetHarnessSettingsSchema.parse(settings);
  return {
    specificationVersion: "harness-v1",
    id: "tool_budget",
    createRunner: (context) => new ToolBudgetRunner(context, parsed),
  };
}

createToolBudgetHarness.settingsSchema = toolBudgetHarnessSettingsSchema;
