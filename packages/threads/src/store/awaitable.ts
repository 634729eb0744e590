import type { Awaitable } from "./thread-store";

/** True for a promise (anything with a `then`): what an asynchronous store answers. */
export function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/**
 * `f(value)`, at once when `value` is there already (the embedded store's answers), after it resolves
 * when it is a promise: the synchronous path gains no await and no microtask.
 */
export function then<T, R>(value: Awaitable<T>, f: (v: T) => Awaitable<R>): Awaitable<R> {
  return isPromise(value) ? value.then(f) : f(value);
}
