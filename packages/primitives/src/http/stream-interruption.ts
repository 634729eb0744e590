import type { KiwiError } from "@kiwi/spec";
import { httpFailure } from "./http-failure";

/**
 * The error for a stream that stopped before its natural end. Before any event reached a sink the cause
 * keeps its own code (CONNECTION_RESET, STREAM_IDLE_TIMEOUT, …) and is marked `stream_phase`, so
 * `STREAM_INCOMPLETE` in `retryable_errors` matches it; after the first event it is STREAM_INCOMPLETE with
 * `reason`, and it is never retried (the sinks' side effects would repeat).
 */
export function streamInterruption(
  reason: string,
  origin: string,
  delivered: number,
  cause?: KiwiError,
): KiwiError {
  const why = cause?.message ?? `the stream from ${origin} ended in the middle of an event`;
  if (delivered === 0 && cause) {
    return httpFailure(cause.code, cause.message, {
      retryable: true,
      context: { ...cause.context, stream_phase: true },
    });
  }
  return httpFailure(
    "STREAM_INCOMPLETE",
    delivered === 0
      ? why
      : `the stream stopped after ${delivered} events: ${why}. Not retried: the events already reached the sinks`,
    { retryable: true, context: { reason, events_delivered: delivered, stream_phase: true } },
  );
}
