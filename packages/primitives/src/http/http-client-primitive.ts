import type { PrimitiveV1 } from "@kiwi/spec";
import { abortableSleep } from "./abortable-sleep";
import { runHttpClient } from "./run-http-client";

export interface HttpClientOptions {
  /** The fetch to use (default: the global one, looked up at call time). Tests pass none: real loopback. */
  fetch?: typeof fetch;
  /** Monotonic clock in ms for durations and the idle timeout (default performance.now). */
  now?: () => number;
  /** How retries wait (default: an abortable setTimeout). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * `http_client`: HTTP requests in `sync` mode (bounded body, JSON decoded) or `stream` mode (SSE parsed
 * and written to the call's sinks), with auth, timeouts, cancellation, data-driven retry and a redirect
 * policy that never sends a secret-bearing request to another place. See the package README.
 */
export function createHttpClientPrimitive(options: HttpClientOptions = {}): PrimitiveV1 {
  const deps = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: options.now ?? (() => performance.now()),
    sleep: options.sleep ?? abortableSleep,
  } satisfies Parameters<typeof runHttpClient>[1];
  return {
    specificationVersion: "primitive-v1",
    id: "http_client",
    description:
      "HTTP request (sync) or SSE stream to sinks, with auth, timeouts, retry and redirect pinning.",
    run: (call) => runHttpClient(call, deps),
  };
}
