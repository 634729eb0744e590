// Public API of @kiwi/kiwi-harness, listed by name on purpose (no `export *`).

export type { CostLimits } from "./budget";
export { directiveContext } from "./directive-context";
export type { HarnessEvent } from "./harness-events";
export type { KiwiHarnessOptions } from "./kiwi-harness-runner";
export { KiwiHarnessRunner } from "./kiwi-harness-runner";
export type { LoopPattern } from "./loop-detector";
export { LoopDetector } from "./loop-detector";
export { metaToolSpecs } from "./meta-tool-specs";
export type {
  DirectiveModel,
  ModelChoice,
  ModelResolver,
  SpawnDirectiveOptions,
  ThreadRuntime,
  ThreadRuntimeOptions,
} from "./thread-runtime";
export { createThreadRuntime } from "./thread-runtime";
