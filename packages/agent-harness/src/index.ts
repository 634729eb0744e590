// Public API of @kiwi/agent-harness, listed by name on purpose (no `export *`).

export type { BaseHarnessOptions, StopDecision, TurnContext } from "./base-harness-runner";
export { BaseHarnessRunner, CUT_OFF_NOTE, failedResult, interruptedResult } from "./base-harness-runner";
export { completedCalls } from "./completed-calls";
export type { FailureCause } from "./failure-of";
export { failureOf } from "./failure-of";
export type { HarnessContext } from "./harness-context";
export type { ModelCallResult, ModelClient } from "./model-client";
export { runOnContext } from "./run-on-context";
export { createStateSink } from "./state-sink";
export type { ToolRunner } from "./tool-model-client";
export { createToolModelClient } from "./tool-model-client";
export { addUsage, zeroUsage } from "./usage";
