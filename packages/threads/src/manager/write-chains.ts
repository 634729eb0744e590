import { isPromise } from "../store/awaitable";
import type { Awaitable } from "../store/thread-store";

/**
 * Each thread's writes to an asynchronous store, in order: an event, its usage, a status change go one
 * after the other, so a terminal status is committed after every event before it. On a synchronous store
 * (nothing queued) a write runs at once and its error is thrown to the caller, as without a chain.
 */
export class WriteChains {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #onError: (threadId: string, error: unknown) => void;

  /** `onError` hears every failed queued write (LEASE_LOST stops the thread's run). */
  constructor(onError: (threadId: string, error: unknown) => void) {
    this.#onError = onError;
  }

  /** Runs `write` after the thread's queued writes; its commit's promise (nothing on a synchronous store). */
  run(threadId: string, write: () => Awaitable<unknown>): Awaitable<void> {
    const tail = this.#tails.get(threadId);
    let next: Promise<unknown>;
    if (tail === undefined) {
      const r = write();
      if (!isPromise(r)) return;
      next = r;
    } else next = tail.then(write);
    const mine = next.then(() => undefined);
    // Handled here (the caller may not await it): a failure goes to onError, the chain goes on.
    const settled = mine.then(undefined, (error: unknown) => this.#onError(threadId, error));
    this.#tails.set(threadId, settled);
    void settled.then(() => {
      if (this.#tails.get(threadId) === settled) this.#tails.delete(threadId);
    });
    return mine;
  }

  /** A write nobody waits for (its failure goes to onError only). */
  queue(threadId: string, write: () => Awaitable<unknown>): void {
    const r = this.run(threadId, write);
    if (isPromise(r)) r.catch(() => undefined);
  }

  /** Resolves once the thread's writes queued so far are committed (or failed). */
  settled(threadId: string): Promise<void> {
    return this.#tails.get(threadId) ?? Promise.resolve();
  }

  /** Resolves once every thread's queued writes are committed (or failed). */
  async all(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
