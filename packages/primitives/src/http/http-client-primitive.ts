import type { PrimitiveV1 } from "@kiwi/spec";
import { abortableSleep } from "./abortable-sleep";
import { fetchTransport, type HttpTransport } from "./http-transport";
import { runHttpClient } from "./run-http-client";

export interface HttpClientOptions {
  /**
   * A fetch to send every request through (tests pass one to observe calls). Default: on Node, node:http
   * and node:https with keep-alive agents held by the primitive; elsewhere the global fetch, looked up at
   * call time.
   */
  fetch?: typeof fetch;
  /** Monotonic clock in ms for durations and the idle timeout (default performance.now). */
  now?: () => number;
  /** How retries wait (default: an abortable setTimeout). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Builds `http_client` over `defaultTransport()` unless the caller injected a fetch. */
export function buildHttpClientPrimitive(
  options: HttpClientOptions,
  defaultTransport: () => HttpTransport,
): PrimitiveV1 {
  const deps = {
    transport: options.fetch ? fetchTransport(options.fetch) : defaultTransport(),
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

/**
 * `http_client`: HTTP requests in `sync` mode (bounded body, JSON decoded) or `stream` mode (SSE parsed
 * and written to the call's sinks), with auth, timeouts, cancellation, data-driven retry and a redirect
 * policy that never sends a secret-bearing request to another place. See the package README. This is
 * the runtime-neutral build (global fetch); Node resolves `@kiwi/primitives` to the node:http one.
 */
export function createHttpClientPrimitive(options: HttpClientOptions = {}): PrimitiveV1 {
  return buildHttpClientPrimitive(options, () =>
    fetchTransport((input, init) => globalThis.fetch(input, init)),
  );
}
