import { runOnContext } from "@kiwi/agent-harness";
import type { HarnessV2 } from "@kiwi/spec";
import {
  type ToolBudgetHarnessSettings,
  toolBudgetHarnessSettingsSchema,
} from "./tool-budget-harness-settings";
import { ToolBudgetRunner } from "./tool-budget-runner";

/**
 * `harness-v2` plugin: the model sees an explicit list of Kiwi tools under a custom system prompt and may
 * make at most `max_tool_calls` calls; then it gets one turn without tools to answer. The factory takes the
 * settings; each `run(context)` drives one conversation on a managed thread's run context.
 */
export function createToolBudgetHarness(settings: ToolBudgetHarnessSettings = {}): HarnessV2 {
  const parsed = toolBudgetHarnessSettingsSchema.parse(settings);
  return {
    specificationVersion: "harness-v2",
    id: "tool_budget",
    run: (context) =>
      runOnContext(context, (c) => new ToolBudgetRunner(c, parsed, parsed.tools ?? context.directive.tools)),
  };
}

createToolBudgetHarness.settingsSchema = toolBudgetHarnessSettingsSchema;
