import type { Awaitable } from "./thread-store";

/** True for a promise (anything with a `then`): what an asynchronous store answers. */
export function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
