import type { ReturnSink, SinkFanOut } from "@kiwi/sinks";
import { KiwiError, type SinkEvent } from "@kiwi/spec";
import { createSseParser } from "../sse/sse-parser";
import { createAttemptController } from "./attempt-controller";
import { classifyNetworkError, httpFailure } from "./http-failure";
import { httpStatusError } from "./http-status-error";
import type { HttpTransport, TransportResponse } from "./http-transport";
import type { AttemptOutcome, HttpRequestSpec } from "./http-types";
import { decodeBody, headerRecord, readBodyBytes } from "./read-body";
import { parseRetryAfter } from "./retry-policy";
import { sendRequest } from "./send-request";
import { streamInterruption } from "./stream-interruption";
import { bufferFull, streamTooLarge } from "./stream-limits";

export interface StreamAttemptOptions {
  transport: HttpTransport;
  spec: HttpRequestSpec;
  signal?: AbortSignal;
  /** The call's sinks (`PrimitiveCall.sinks`). */
  fanOut: SinkFanOut;
  returnSink?: ReturnSink;
  now: () => number;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * One stream attempt: request, check status and content type, parse SSE and write each event to the
 * return sink and every other sink, in order. Bounded by total and idle (between parsed events) timeouts
 * and by the parser's line and event limits.
 */
export async function runStreamAttempt(options: StreamAttemptOptions): Promise<AttemptOutcome> {
  const { spec, fanOut, returnSink, now } = options;
  const settings = spec.stream;
  const origin = spec.url.origin;
  const ctl = createAttemptController(options.signal);
  let delivered = 0;
  let lastEventAt = now();
  ctl.deadline(settings.totalTimeoutMs, () =>
    httpFailure(
      "STREAM_TOTAL_TIMEOUT",
      `the stream from ${origin} ran past total_timeout_ms (${settings.totalTimeoutMs} ms)`,
      {
        retryable: true,
        context: { timeout_ms: settings.totalTimeoutMs },
      },
    ),
  );
  let awaitingSinks = false;
  let finished = false; // the body was read to its end: nothing left in flight
  ctl.idle(
    settings.idleTimeoutMs,
    () => (awaitingSinks ? now() : lastEventAt),
    now,
    () =>
      httpFailure(
        "STREAM_IDLE_TIMEOUT",
        `no SSE event from ${origin} for idle_timeout_ms (${settings.idleTimeoutMs} ms); comments and keep-alives do not count`,
        {
          retryable: true,
          context: { timeout_ms: settings.idleTimeoutMs },
        },
      ),
  );
  let response: TransportResponse | undefined;
  try {
    response = await sendRequest({ transport: options.transport, spec, signal: ctl.signal });
    const status = response.status;
    const headers = headerRecord(response.headers);
    if (status < 200 || status > 299) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      const bytes = await readBodyBytes(response, ERROR_BODY_LIMIT).catch(() => new Uint8Array(0));
      const body = decodeBody(bytes, response.headers.get("content-type"));
      return { status, headers, body, error: httpStatusError(response, origin), retryAfterMs, delivered };
    }
    const type = response.headers.get("content-type") ?? "";
    if (!/^text\/event-stream\s*(;|$)/i.test(type)) {
      throw httpFailure(
        "STREAM_BAD_CONTENT_TYPE",
        `${origin} answered ${type || "no content type"} instead of text/event-stream`,
        {
          context: { status, content_type: type },
        },
      );
    }
    const batch: SinkEvent[] = [];
    const parser = createSseParser({
      onEvent: (event) => batch.push(event),
      maxLineBytes: settings.maxLineBytes,
      maxEventBytes: settings.maxEventBytes,
    });
    const external = fanOut.ids.length > 0;
    let received = 0;
    for (;;) {
      const chunk = await response.read();
      if (chunk === undefined) {
        finished = true;
        break;
      }
      received += chunk.byteLength;
      if (received > settings.maxTotalBytes) throw streamTooLarge(settings.maxTotalBytes);
      let parseError: unknown;
      try {
        parser.feed(chunk);
      } catch (error) {
        parseError = error;
      }
      if (batch.length > 0) {
        lastEventAt = now();
        for (const event of batch) {
          returnSink?.write(event);
          if (external) {
            const pending = fanOut.write(event);
            if (pending !== undefined) {
              awaitingSinks = true; // time spent waiting for a sink is not server idleness
              await ctl.race(pending);
              awaitingSinks = false;
              lastEventAt = now();
            }
          }
          delivered++;
        }
        batch.length = 0;
        if (returnSink?.overflowed && !external) throw bufferFull(settings.maxBufferSize);
      }
      if (parseError !== undefined) throw parseError;
    }
    if (parser.end()) throw streamInterruption("STREAM_ENDED_MID_EVENT", origin, delivered);
    // A sink still writing a batch has events in its backlog: the stream is done when every sink has them,
    // within the same total timeout and cancellation.
    if (fanOut.busy) {
      awaitingSinks = true;
      await ctl.race(fanOut.drain());
      awaitingSinks = false;
    }
    return { status, headers, body: null, delivered };
  } catch (error) {
    let failure = ctl.reason ?? (KiwiError.isInstance(error) ? error : classifyNetworkError(error, origin));
    // Once the stream was open, a broken connection or a timeout means the stream is incomplete.
    if (
      response &&
      /^(CONNECTION_RESET|TIMEOUT|STREAM_IDLE_TIMEOUT|STREAM_TOTAL_TIMEOUT)$/.test(failure.code)
    ) {
      failure = streamInterruption(failure.code, origin, delivered, failure);
    }
    const headers = response ? headerRecord(response.headers) : {};
    return { status: response?.status ?? 0, headers, body: null, error: failure, delivered };
  } finally {
    ctl.dispose(finished);
  }
}
