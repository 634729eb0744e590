/**
 * Keys that can reach or replace an object's prototype when a naive merge or assignment copies them.
 * Item files never need them, so parsers reject them at any depth instead of trying to copy them safely.
 */
export const RESERVED_OBJECT_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

export function isReservedObjectKey(key: string): boolean {
  return RESERVED_OBJECT_KEYS.includes(key);
}
