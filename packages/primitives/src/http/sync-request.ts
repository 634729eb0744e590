import { KiwiError } from "@kiwi/spec";
import { createAttemptController } from "./attempt-controller";
import { classifyNetworkError, httpFailure } from "./http-failure";
import { httpStatusError } from "./http-status-error";
import type { HttpTransport, ResponseHeaders, TransportResponse } from "./http-transport";
import type { AttemptOutcome, HttpRequestSpec } from "./http-types";
import { decodeBody, headerRecord, readBodyBytes } from "./read-body";
import { parseRetryAfter } from "./retry-policy";
import { sendRequest } from "./send-request";

/** One sync attempt: the whole exchange, body included, within `timeout_ms`. */
export async function runSyncAttempt(options: {
  transport: HttpTransport;
  spec: HttpRequestSpec;
  signal?: AbortSignal;
  /** Given the response headers, may return a watcher of the body's chunks (see `readBodyBytes`). */
  watchBody?: (headers: ResponseHeaders) => ((chunk: Uint8Array) => boolean) | undefined;
}): Promise<AttemptOutcome> {
  const { spec } = options;
  const origin = spec.url.origin;
  const ctl = createAttemptController(options.signal);
  ctl.deadline(spec.timeoutMs, () =>
    httpFailure("TIMEOUT", `no complete response from ${origin} within timeout_ms (${spec.timeoutMs} ms)`, {
      retryable: true,
      context: { timeout_ms: spec.timeoutMs },
    }),
  );
  let response: TransportResponse | undefined;
  try {
    response = await sendRequest({ transport: options.transport, spec, signal: ctl.signal });
    const bytes = await readBodyBytes(response, spec.maxResponseBytes, options.watchBody?.(response.headers));
    const outcome: AttemptOutcome = {
      status: response.status,
      headers: headerRecord(response.headers),
      body: decodeBody(bytes, response.headers.get("content-type")),
      delivered: 0,
    };
    if (response.status < 200 || response.status > 299) {
      outcome.error = httpStatusError(response, origin);
      outcome.retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    }
    return outcome;
  } catch (error) {
    return {
      status: response?.status ?? 0,
      headers: response ? headerRecord(response.headers) : {},
      body: null,
      error: ctl.reason ?? (KiwiError.isInstance(error) ? error : classifyNetworkError(error, origin)),
      delivered: 0,
    };
  } finally {
    ctl.dispose();
  }
}
