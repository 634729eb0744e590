import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import type { RetryPolicy } from "./http-types";
import { parseRetryAfter, retryDelay, retryNames, shouldRetry } from "./retry-policy";

const policy = (retryOn: string[], maxAttempts = 3): RetryPolicy => ({
  maxAttempts,
  backoffMs: [100, 400],
  retryOn,
});
const err = (code: string, context: Record<string, unknown> = {}) =>
  new KiwiError({ code, message: code, context });

describe("retry policy", () => {
  it("names HTTP statuses by code, status and class, and timeouts as TIMEOUT", () => {
    expect(retryNames(err("HTTP_ERROR", { status: 503 }))).toEqual(["HTTP_ERROR", "HTTP_503", "HTTP_5XX"]);
    expect(retryNames(err("STREAM_IDLE_TIMEOUT", { stream_phase: true }))).toEqual([
      "STREAM_IDLE_TIMEOUT",
      "TIMEOUT",
      "STREAM_INCOMPLETE",
    ]);
  });

  it("never retries once an event reached a sink, nor past max_attempts, nor what is not listed", () => {
    const reset = err("CONNECTION_RESET", { stream_phase: true });
    expect(shouldRetry(reset, policy(["CONNECTION_RESET"]), 1, 0)).toBe(true);
    expect(shouldRetry(reset, policy(["CONNECTION_RESET"]), 1, 1)).toBe(false);
    expect(shouldRetry(reset, policy(["CONNECTION_RESET"]), 3, 0)).toBe(false);
    expect(shouldRetry(reset, policy(["HTTP_5XX"]), 1, 0)).toBe(false);
    expect(shouldRetry(err("ABORTED"), policy(["TIMEOUT", "CONNECTION_RESET"]), 1, 0)).toBe(false);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("waits the backoff for retry i (last value repeated), Retry-After when longer, gives up past 60 s", () => {
    const p = policy([]);
    expect([0, 1, 2, 5].map((i) => retryDelay(p, i))).toEqual([100, 400, 400, 400]);
    expect(retryDelay(p, 0, 2000)).toBe(2000);
    expect(retryDelay(p, 1, 50)).toBe(400);
    expect(retryDelay(p, 0, 61_000)).toBeUndefined();
  });
});
