import { createReturnSink, createSinkFanOut, type SinkFanOut } from "@kiwi/sinks";
import { type KiwiError, type PrimitiveCall, type PrimitiveResult, toToolFailure } from "@kiwi/spec";
import { abortedError } from "./attempt-controller";
import { parseHttpConfig } from "./http-config";
import { httpFailure } from "./http-failure";
import { parseHttpRpc, runHttpRpc } from "./http-rpc";
import type { HttpTransport } from "./http-transport";
import type { AttemptOutcome, HttpRequestSpec } from "./http-types";
import { MAX_RETRY_AFTER_MS, retryDelay, shouldRetry } from "./retry-policy";
import { bufferFull } from "./stream-limits";
import { runStreamAttempt } from "./stream-request";
import { runSyncAttempt } from "./sync-request";

function parseHttpRpcSafe(value: unknown) {
  try {
    return parseHttpRpc(value);
  } catch (error) {
    return error as Error;
  }
}

/** The least time a sink still writing when a stream failed gets to take its backlog. */
const SINK_GRACE_MS = 1000;

export interface HttpClientDeps {
  transport: HttpTransport;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function withRetryAfter(error: KiwiError, retryAfterMs: number | undefined, gaveUp: boolean): KiwiError {
  if (retryAfterMs === undefined) return error;
  const note = gaveUp
    ? ` (the server asked to retry after ${retryAfterMs} ms, more than the ${MAX_RETRY_AFTER_MS} ms this client waits)`
    : "";
  return httpFailure(error.code, `${error.message}${note}`, {
    retryable: error.retryable,
    context: { ...error.context, retry_after_ms: retryAfterMs },
  });
}

/** Runs attempts until success, a failure that is not retryable, or the last attempt. */
async function attempts(
  spec: HttpRequestSpec,
  runOnce: () => Promise<AttemptOutcome>,
  deps: HttpClientDeps,
  signal: AbortSignal | undefined,
): Promise<{ outcome: AttemptOutcome; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await runOnce();
    const error = outcome.error;
    if (!error || !shouldRetry(error, spec.retry, attempt, outcome.delivered)) {
      if (error) outcome.error = withRetryAfter(error, outcome.retryAfterMs, false);
      return { outcome, attempts: attempt };
    }
    const delay = retryDelay(spec.retry, attempt - 1, outcome.retryAfterMs);
    if (delay === undefined) {
      outcome.error = withRetryAfter(error, outcome.retryAfterMs, true);
      return { outcome, attempts: attempt };
    }
    try {
      await deps.sleep(delay, signal);
    } catch {
      outcome.error = abortedError();
      return { outcome, attempts: attempt };
    }
  }
}

/** The http_client primitive's `run`: validate, run attempts (sync or SSE stream), shape the result. */
export async function runHttpClient(call: PrimitiveCall, deps: HttpClientDeps): Promise<PrimitiveResult> {
  const started = deps.now();
  const signal = call.context.signal;
  let spec: HttpRequestSpec;
  let fanOut: SinkFanOut;
  try {
    spec = parseHttpConfig(call.config, { carriesSecret: call.carriesSecret === true });
    fanOut = createSinkFanOut(spec.mode === "stream" ? (call.sinks ?? []) : []);
  } catch (error) {
    const failure = toToolFailure(error);
    return { ...failure, status_code: 0, body: null, headers: {}, duration_ms: 0, attempts: 0 };
  }
  const rpc = parseHttpRpcSafe(call.config.rpc);
  if (rpc instanceof Error) {
    return { ...toToolFailure(rpc), status_code: 0, body: null, headers: {}, duration_ms: 0, attempts: 0 };
  }
  if (rpc) {
    const result = await runHttpRpc({ spec, rpc, transport: deps.transport, signal });
    return { ...result, duration_ms: Math.round(deps.now() - started) };
  }
  if (spec.mode === "sync") {
    const run = await attempts(
      spec,
      () => runSyncAttempt({ transport: deps.transport, spec, signal }),
      deps,
      signal,
    );
    return shape(run.outcome, run.attempts, deps.now() - started);
  }
  const returnSink = spec.stream.returnEvents
    ? createReturnSink({ maxEvents: spec.stream.maxBufferSize })
    : undefined;
  const once = () =>
    runStreamAttempt({ transport: deps.transport, spec, signal, fanOut, returnSink, now: deps.now });
  const run = await attempts(spec, once, deps, signal);
  // After a failed stream, a sink still writing gets the rest of the total timeout (at least a second) to
  // take its backlog; one that never finishes is reported under sink_errors rather than holding the call.
  const left = Math.max(spec.stream.totalTimeoutMs - (deps.now() - started), SINK_GRACE_MS);
  await fanOut.flush(left);
  const { outcome } = run;
  if (!outcome.error && returnSink?.overflowed) outcome.error = bufferFull(spec.stream.maxBufferSize);
  if (outcome.error?.code !== "HTTP_ERROR") outcome.body = returnSink ? returnSink.events : null;
  return {
    ...shape(outcome, run.attempts, deps.now() - started),
    stream_events_count: outcome.delivered,
    stream_destinations: [...(returnSink ? ["return"] : []), ...fanOut.ids],
    sink_errors: fanOut.failures,
  };
}

function shape(outcome: AttemptOutcome, attemptCount: number, durationMs: number): PrimitiveResult {
  const ok = !outcome.error && outcome.status >= 200 && outcome.status <= 299;
  return {
    success: ok,
    status_code: outcome.status,
    body: outcome.body,
    headers: outcome.headers,
    duration_ms: Math.round(durationMs),
    attempts: attemptCount,
    ...(outcome.error ? { error: outcome.error.toJSON() } : {}),
  };
}
