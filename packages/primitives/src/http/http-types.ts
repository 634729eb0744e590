import type { KiwiError } from "@kiwi/spec";

/** The validated, normalised form of an http_client config (see `parseHttpConfig`). */

export type HttpAuth =
  | { readonly type: "bearer"; readonly token: string }
  | { readonly type: "header"; readonly name: string; readonly value: string }
  | { readonly type: "basic"; readonly username: string; readonly password: string };

export interface RetryPolicy {
  /** Attempts in total, the first one included (1 = no retry). */
  readonly maxAttempts: number;
  /** Retry i (0-based) waits `backoffMs[min(i, length - 1)]`. */
  readonly backoffMs: readonly number[];
  /** Error names that allow a retry: CONNECTION_FAILED, TIMEOUT, HTTP_429, HTTP_5XX, STREAM_INCOMPLETE, … */
  readonly retryOn: readonly string[];
}

export interface StreamSettings {
  readonly maxLineBytes: number;
  readonly maxEventBytes: number;
  /** Bytes of (decompressed) body one stream may deliver. */
  readonly maxTotalBytes: number;
  /** Most events the built-in `return` sink keeps. */
  readonly maxBufferSize: number;
  readonly totalTimeoutMs: number;
  /** Longest wait between two parsed events (comments and blank lines do not count). */
  readonly idleTimeoutMs: number;
  /** Whether the built-in `return` sink collects the events into the result's `body`. */
  readonly returnEvents: boolean;
}

export interface HttpRequestSpec {
  readonly method: string;
  readonly url: URL;
  /** Lower-cased names, validated values, auth applied. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly mode: "sync" | "stream";
  /** Whole request (headers and body) in sync mode. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Auth present, the call's `carriesSecret`, or `carries_secret: true` in the config: no redirect is ever followed. */
  readonly secret: boolean;
  readonly stream: StreamSettings;
  readonly retry: RetryPolicy;
}

/** What one attempt produced; the primitive decides from it whether to retry. */
export interface AttemptOutcome {
  /** 0 when no response arrived. */
  status: number;
  headers: Record<string, string>;
  /** The decoded body in sync mode (or of an HTTP error in stream mode); null otherwise. */
  body: unknown;
  error?: KiwiError;
  /** A Retry-After the server sent with an error response. */
  retryAfterMs?: number;
  /** Stream events that reached the sinks during this attempt. */
  delivered: number;
}
