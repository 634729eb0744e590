/** Parameter keys starting with this prefix are reserved for the harness and executor. */
export const RESERVED_PREFIX = "__";

/**
 * The reserved keys Kiwi itself uses. Any other `__*` key is reserved too. `__sinks` is only reserved (a
 * model can never pass one): sinks travel as `PrimitiveCall.sinks`, never inside metadata.
 */
export const RESERVED_KEYS = ["__auth", "__thread_id", "__directive_id", "__sinks"] as const;

export function isReservedKey(key: string): boolean {
  return key.startsWith(RESERVED_PREFIX);
}
