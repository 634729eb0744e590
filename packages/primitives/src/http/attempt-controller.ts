import type { KiwiError } from "@kiwi/spec";
import { httpFailure } from "./http-failure";

export interface AttemptController {
  /** Aborts the attempt's fetch and body. */
  readonly signal: AbortSignal;
  /** Why the attempt was stopped (ABORTED, a timeout, a bound), if it was. */
  readonly reason: KiwiError | undefined;
  stop(error: KiwiError): void;
  /** Stops the attempt with `error()` after `ms`. */
  deadline(ms: number, error: () => KiwiError): void;
  /** Stops the attempt once `now() - lastActivity()` reaches `ms`; one timer, re-armed lazily. */
  idle(ms: number, lastActivity: () => number, now: () => number, error: () => KiwiError): void;
  /** Resolves with `promise`, or rejects with the stop reason as soon as the attempt is stopped. */
  race<T>(promise: Promise<T>): Promise<T>;
  /**
   * Clears timers, detaches from the caller's signal and aborts whatever is still in flight. `finished`:
   * the response was read to its end, so nothing is in flight and the abort is skipped (it would build a
   * DOMException and run fetch's abort listeners for nothing, on every call).
   */
  dispose(finished?: boolean): void;
}

export const abortedError = () =>
  httpFailure("ABORTED", "the request was cancelled by the caller (context.signal aborted)", {
    retryable: true,
  });

/** One attempt's cancellation: the caller's signal, timeouts and internal stops share one AbortController. */
export function createAttemptController(external?: AbortSignal): AttemptController {
  const controller = new AbortController();
  const timers: ReturnType<typeof setTimeout>[] = [];
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let reason: KiwiError | undefined;
  let stopped: Promise<never> | undefined;
  const stop = (error: KiwiError) => {
    if (reason) return;
    reason = error;
    controller.abort(error);
  };
  const onExternal = () => stop(abortedError());
  if (external?.aborted) onExternal();
  else external?.addEventListener("abort", onExternal, { once: true });

  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    stop,
    deadline(ms, error) {
      timers.push(setTimeout(() => stop(error()), ms));
    },
    idle(ms, lastActivity, now, error) {
      const check = () => {
        const quiet = now() - lastActivity();
        if (quiet >= ms) stop(error());
        else idleTimer = setTimeout(check, Math.max(1, ms - quiet));
      };
      idleTimer = setTimeout(check, ms);
    },
    race(promise) {
      if (reason) return Promise.reject(reason);
      stopped ??= new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => reject(reason), { once: true });
      });
      stopped.catch(() => undefined);
      return Promise.race([promise, stopped]);
    },
    dispose(finished = false) {
      for (const t of timers) clearTimeout(t);
      timers.length = 0;
      clearTimeout(idleTimer);
      external?.removeEventListener("abort", onExternal);
      if (!finished && !controller.signal.aborted) controller.abort();
    },
  };
}
