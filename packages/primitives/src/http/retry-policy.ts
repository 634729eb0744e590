import type { KiwiError } from "@kiwi/spec";
import type { RetryPolicy } from "./http-types";

/** Longest Retry-After the client waits; a server asking for more is not retried (the error says so). */
export const MAX_RETRY_AFTER_MS = 60_000;

/** The names a failure answers to in `retry.retryable_errors`. */
export function retryNames(error: KiwiError): string[] {
  const names = [error.code];
  const {
    reason,
    status,
    stream_phase: streamPhase,
  } = error.context as {
    reason?: string;
    status?: number;
    stream_phase?: boolean;
  };
  if (reason) names.push(reason);
  if (error.code === "HTTP_ERROR" && typeof status === "number") {
    names.push(`HTTP_${status}`, `HTTP_${Math.floor(status / 100)}XX`);
  }
  if (names.some((n) => n === "STREAM_IDLE_TIMEOUT" || n === "STREAM_TOTAL_TIMEOUT")) names.push("TIMEOUT");
  if (streamPhase) names.push("STREAM_INCOMPLETE");
  return names;
}

/** A failure is retried only while attempts remain and no stream event reached a sink. */
export function shouldRetry(
  error: KiwiError,
  policy: RetryPolicy,
  attempt: number,
  eventsDelivered: number,
): boolean {
  if (attempt >= policy.maxAttempts || eventsDelivered > 0) return false;
  return retryNames(error).some((name) => policy.retryOn.includes(name));
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowEpochMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowEpochMs);
}

/**
 * Delay before retry `index` (0-based): the configured backoff, or the server's Retry-After when longer.
 * Undefined when Retry-After exceeds MAX_RETRY_AFTER_MS: retrying earlier would only fail again.
 */
export function retryDelay(policy: RetryPolicy, index: number, retryAfterMs?: number): number | undefined {
  const backoff = policy.backoffMs[Math.min(index, policy.backoffMs.length - 1)] ?? 0;
  if (retryAfterMs === undefined) return backoff;
  if (retryAfterMs > MAX_RETRY_AFTER_MS) return undefined;
  return Math.max(backoff, retryAfterMs);
}
