// Public API of @kiwi/spec, listed by name on purpose (no `export *`): what is not here is internal.

export type { KiwiErrorCode, KnownErrorCode } from "./error-codes";
export { ErrorCode } from "./error-codes";
export type {
  AuthorizationRequest,
  Authorizer,
  HelpSignal,
  HelpSignalHandler,
  HelpSignalKind,
} from "./hooks";
export type { KiwiErrorObject, KiwiErrorOptions, ToolFailure } from "./kiwi-error";
export { isToolFailure, KiwiError, toToolFailure } from "./kiwi-error";
export type { PrimitiveCall, PrimitiveContext, PrimitiveResult, PrimitiveV1 } from "./primitive";
export { isReservedKey, RESERVED_KEYS, RESERVED_PREFIX } from "./reserved";
export type { SinkContext, SinkEvent, SinkFactory, SinkV1 } from "./sink";
