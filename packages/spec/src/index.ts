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
  HarnessRunInput,
  HarnessRunner,
  HarnessRunResult,
  HarnessV1,
  RunControl,
  RunSnapshot,
  TurnDirective,
} from "./harness";
export { HARNESS_KIND } from "./harness-kind";
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
export type { PluginValidation } from "./validate-plugin";
export { validatePlugin } from "./validate-plugin";
