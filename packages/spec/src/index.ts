// Public API of @kiwi/spec, listed by name on purpose (no `export *`): what is not here is internal.
export { ErrorCode } from "./error-codes";
export type { KiwiErrorCode, KnownErrorCode } from "./error-codes";
export { KiwiError, isToolFailure, toToolFailure } from "./kiwi-error";
export type { KiwiErrorObject, KiwiErrorOptions, ToolFailure } from "./kiwi-error";
export type { PrimitiveCall, PrimitiveContext, PrimitiveResult, PrimitiveV1 } from "./primitive";
export type {
  AuthorizationRequest,
  Authorizer,
  HelpSignal,
  HelpSignalHandler,
  HelpSignalKind,
} from "./hooks";
export { RESERVED_KEYS, RESERVED_PREFIX, isReservedKey } from "./reserved";
