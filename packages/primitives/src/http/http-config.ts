import { KiwiError } from "@kiwi/spec";
import { invalidInput, isRecord, MAX_TIMER_MS, readInt, readSection } from "./config-values";
import type { HttpRequestSpec, RetryPolicy, StreamSettings } from "./http-types";
import { buildHeaders, parseAuth } from "./request-headers";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const RETRY_NAME =
  /^(CONNECTION_FAILED|CONNECTION_RESET|TIMEOUT|STREAM_INCOMPLETE|STREAM_IDLE_TIMEOUT|STREAM_TOTAL_TIMEOUT|HTTP_ERROR|HTTP_[45]XX|HTTP_[1-5]\d\d)$/;
const MiB = 1024 * 1024;

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function parseUrl(value: unknown): URL {
  if (typeof value !== "string" || value === "")
    throw invalidInput("url", "is required (an absolute http or https URL)");
  // The URL parser silently drops tabs and newlines and trims controls: refuse them instead.
  if (hasControl(value)) {
    throw new KiwiError({
      code: "TEMPLATE_ENCODING",
      message:
        "http_client config.url contains a control character (CR, LF, tab, NUL…): check the parameters templated into it",
      context: { field: "config.url" },
    });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput("url", "is not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalidInput("url", "must use http or https");
  if (url.username || url.password)
    throw invalidInput("url", "must not carry credentials: use auth: {type: basic}");
  return url;
}

function parseRetry(value: unknown): RetryPolicy {
  const retry = readSection(value, "retry", ["max_attempts", "backoff_ms", "retryable_errors"]);
  const maxAttempts = readInt(retry?.max_attempts, "retry.max_attempts", 1, 1, 10);
  const backoff = retry?.backoff_ms ?? [1000, 2000, 4000];
  if (!Array.isArray(backoff) || backoff.length === 0)
    throw invalidInput("retry.backoff_ms", "must be a list of milliseconds");
  const backoffMs = backoff.map((ms, i) => readInt(ms, `retry.backoff_ms[${i}]`, 0, 0, MAX_TIMER_MS));
  const names = retry?.retryable_errors ?? ["CONNECTION_FAILED", "CONNECTION_RESET", "TIMEOUT"];
  if (!Array.isArray(names)) throw invalidInput("retry.retryable_errors", "must be a list of error names");
  const retryOn = names.map((name, i) => {
    if (typeof name !== "string" || !RETRY_NAME.test(name)) {
      throw invalidInput(
        `retry.retryable_errors[${i}]`,
        "unknown name; use CONNECTION_FAILED, CONNECTION_RESET, TIMEOUT, STREAM_INCOMPLETE, STREAM_IDLE_TIMEOUT, STREAM_TOTAL_TIMEOUT, HTTP_ERROR, HTTP_4XX, HTTP_5XX or HTTP_<status>",
      );
    }
    return name;
  });
  return { maxAttempts, backoffMs, retryOn };
}

function parseStream(value: unknown): StreamSettings {
  const known = ["transport", "max_line_bytes", "max_event_bytes", "max_total_bytes", "max_buffer_size"];
  const s = readSection(value, "stream", [
    ...known,
    "total_timeout_ms",
    "idle_timeout_ms",
    "destinations",
    "return",
  ]);
  if (s?.transport !== undefined && s.transport !== "sse")
    throw invalidInput("stream.transport", "must be sse");
  if (s?.return !== undefined && typeof s.return !== "boolean")
    throw invalidInput("stream.return", "must be true or false");
  const destinations = Array.isArray(s?.destinations) ? s.destinations : [];
  const listsReturn = destinations.some((d) => isRecord(d) && d.type === "return");
  return {
    maxLineBytes: readInt(s?.max_line_bytes, "stream.max_line_bytes", MiB, 1, 256 * MiB),
    maxEventBytes: readInt(s?.max_event_bytes, "stream.max_event_bytes", 4 * MiB, 1, 256 * MiB),
    maxTotalBytes: readInt(s?.max_total_bytes, "stream.max_total_bytes", 256 * MiB, 1, 2 ** 40),
    maxBufferSize: readInt(s?.max_buffer_size, "stream.max_buffer_size", 10_000, 0, 1_000_000),
    totalTimeoutMs: readInt(s?.total_timeout_ms, "stream.total_timeout_ms", 600_000, 1, MAX_TIMER_MS),
    idleTimeoutMs: readInt(s?.idle_timeout_ms, "stream.idle_timeout_ms", 60_000, 1, MAX_TIMER_MS),
    // Explicit `return` wins; otherwise events are returned when no destination is listed, or `return` is.
    returnEvents: typeof s?.return === "boolean" ? s.return : destinations.length === 0 || listsReturn,
  };
}

function encodeBody(value: unknown, method: string, headers: Record<string, string>): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (method === "GET" || method === "HEAD") throw invalidInput("body", `is not allowed with ${method}`);
  if (typeof value === "string") return value;
  headers["content-type"] ??= "application/json";
  return JSON.stringify(value);
}

/**
 * Validates a rendered http_client config (the kernel already expanded `${ENV}` and `{param}`) into a
 * request spec. Throws KiwiError INVALID_INPUT, or TEMPLATE_ENCODING for a header or URL that carries
 * CR, LF, NUL or other control characters — before anything is sent. `carriesSecret` is the call's own
 * flag (the kernel sets it when `${ENV}` feeds a header or auth value).
 */
export function parseHttpConfig(
  config: Readonly<Record<string, unknown>>,
  call: { carriesSecret?: boolean } = {},
): HttpRequestSpec {
  const method = typeof config.method === "string" ? config.method.toUpperCase() : (config.method ?? "GET");
  if (typeof method !== "string" || !METHODS.includes(method))
    throw invalidInput("method", `must be one of ${METHODS.join(", ")}`);
  const mode = config.mode ?? "sync";
  if (mode !== "sync" && mode !== "stream")
    throw invalidInput("mode", `unknown mode '${String(mode)}': must be sync or stream`);
  const url = parseUrl(config.url);
  const auth = parseAuth(config.auth);
  const headers = buildHeaders(config.headers, auth);
  const body = encodeBody(config.body, method, headers);
  if (mode === "stream") headers.accept ??= "text/event-stream";
  return {
    method,
    url,
    headers,
    body,
    mode,
    timeoutMs: readInt(config.timeout_ms, "timeout_ms", 30_000, 1, MAX_TIMER_MS),
    maxResponseBytes: readInt(config.max_response_bytes, "max_response_bytes", 10 * MiB, 1, 1024 * MiB),
    // A tool author may still declare `carries_secret: true` in the config (a secret typed into a header).
    secret: auth !== undefined || call.carriesSecret === true || config.carries_secret === true,
    stream: parseStream(config.stream),
    retry: parseRetry(config.retry),
  };
}
