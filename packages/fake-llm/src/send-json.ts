import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Answers with one complete JSON body (content-length set), as both APIs do for errors. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  requests: 429,
  tokens: 429,
  overloaded_error: 529,
  timeout_error: 504,
};

/** The HTTP status a scripted `error` turns into when the request did not stream. */
export function statusForErrorType(type: string): number {
  return STATUS_BY_ERROR_TYPE[type] ?? 500;
}

/** Headers of a scripted HTTP error: 429 says when to retry, as both APIs do. */
export function errorHeaders(
  status: number,
  requestIdHeader: string,
  requestId: string,
): OutgoingHttpHeaders {
  return { [requestIdHeader]: requestId, ...(status === 429 ? { "retry-after": "1" } : {}) };
}

export const SSE_HEADERS: OutgoingHttpHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};
