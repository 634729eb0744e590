// Public API of @kiwi/spec, listed by name on purpose (no `export *`): what is not here is internal.

export type {
  NeutralMessage,
  StopReason,
  StreamingToolCall,
  StreamState,
  ToolCall,
  ToolResult,
  ToolSpec,
  Usage,
} from "./conversation";
export { emptyStreamState } from "./conversation";
export type { KiwiErrorCode, KnownErrorCode } from "./error-codes";
export { ErrorCode } from "./error-codes";
export type {
  HarnessOutcome,
  HarnessRunInput,
  HarnessRunner,
  HarnessRunResult,
  HarnessV1,
  HarnessV2,
  RunControl,
  RunSnapshot,
  TurnConversation,
  TurnDirective,
} from "./harness";
export { HARNESS_KIND } from "./harness-kind";
export type {
  HarnessBudgetState,
  HarnessControlState,
  HarnessDirective,
  HarnessEmittedEvent,
  HarnessModelOptions,
  HarnessModelRequest,
  HarnessModelResponse,
  HarnessRunContext,
  HarnessThread,
  HarnessToolRequest,
  HarnessToolResult,
  HarnessTurn,
} from "./harness-run-context";
export type {
  AuthorizationRequest,
  Authorizer,
  HelpSignal,
  HelpSignalHandler,
  HelpSignalKind,
} from "./hooks";
export type { KiwiErrorObject, KiwiErrorOptions, ToolFailure } from "./kiwi-error";
export { fromToolFailure, isToolFailure, KiwiError, toToolFailure } from "./kiwi-error";
export type { ModelTier } from "./model-tiers";
export { MODEL_TIERS } from "./model-tiers";
export type {
  PluginKind,
  PluginUpgrade,
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaV1,
} from "./plugin-kind";
export type { PrimitiveCall, PrimitiveContext, PrimitiveResult, PrimitiveV1 } from "./primitive";
export type {
  ModelCost,
  ProviderEnv,
  ProviderModels,
  ProviderRequest,
  ProviderStreamParser,
  ProviderV1,
} from "./provider";
export { PROVIDER_KIND } from "./provider-kind";
export { isReservedKey, RESERVED_KEYS, RESERVED_PREFIX } from "./reserved";
export type { SinkContext, SinkEvent, SinkFactory, SinkFailure, SinkV1 } from "./sink";
export { SINK_KIND } from "./sink-kind";
export { upgradeHarnessV1 } from "./upgrade-harness-v1";
export type { PluginValidation } from "./validate-plugin";
export { validatePlugin } from "./validate-plugin";
