// Public API of @kiwi/kiwi-harness, listed by name on purpose (no `export *`).

export type { CostLimits } from "./budget";
export { directiveContext } from "./directive-context";
export type { HarnessEvent } from "./harness-events";
export { createKiwiHarness } from "./kiwi/create-kiwi-harness";
export type { KiwiHarnessOptions } from "./kiwi-harness-runner";
export { KiwiHarnessRunner } from "./kiwi-harness-runner";
export type { LoopPattern } from "./loop-detector";
export { LoopDetector } from "./loop-detector";
export { metaToolSpecs } from "./meta-tool-specs";
export type { ProviderChoice, ProviderSource } from "./providers/find-providers";
export { discoveredModels, fallbackNote, findProviders, packageDirOf } from "./providers/find-providers";
export type {
  DirectiveModelLike,
  InstalledProvider,
  ProviderDiscovery,
  ProviderPick,
  ResolvedModel,
} from "./providers/models";
export {
  discoverProviders,
  KNOWN_PROVIDER_PACKAGES,
  modelFor,
  NO_PROVIDER_MESSAGE,
  PROVIDER_TOOL_TYPE,
  pickProvider,
  resolveModel,
} from "./providers/models";
export type { LoadedDirective } from "./runtime/loaded-directive";
export { DEFAULT_HARNESS, harnessIds, resolveHarness } from "./runtime/resolve-harness";
export type { StepIntent, StepJournal, StepKind, StepOutcome } from "./runtime/step-journal";
export { PASS_THROUGH_JOURNAL } from "./runtime/step-journal";
export type { SupervisorState, ThreadRunnerOptions } from "./runtime/thread-runner";
export { ThreadRunner } from "./runtime/thread-runner";
export type { ThreadTelemetryOptions } from "./telemetry/thread-telemetry";
export { TRACER_NAME } from "./telemetry/thread-telemetry";
export type { StoredTraceContext } from "./telemetry/trace-context";
export { contextFromStored, storedTraceContext } from "./telemetry/trace-context";
export type {
  DirectiveModel,
  ModelChoice,
  ModelResolver,
  QueuedChild,
  RecoveredThread,
  ResumedThread,
  ResumeOptions,
  SpawnDirectiveOptions,
  ThreadRuntime,
  ThreadRuntimeOptions,
  ThreadRuntimeProviders,
} from "./thread-runtime";
export { createThreadRuntime } from "./thread-runtime";
