import { httpFailure } from "./http-failure";
import type { HttpTransport, TransportResponse } from "./http-transport";
import type { HttpRequestSpec } from "./http-types";

const FOLLOWED = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

function blocked(status: number, origin: string, why: string) {
  return httpFailure(
    "HTTP_REDIRECT_BLOCKED",
    `${origin} answered ${status || "a redirect"}: ${why}; nothing was sent to the redirect target`,
    {
      context: { status, origin },
    },
  );
}

const discard = (response: TransportResponse) => response.cancel();

/**
 * Sends the request (the transport never follows a redirect itself) and applies Kiwi's redirect policy itself: a secret-bearing
 * request never follows any 3xx (HTTP_REDIRECT_BLOCKED); another request follows at most 5 redirects
 * within its own origin (a cross-origin Location is blocked too, so nothing reaches another host).
 * Network errors are thrown as the transport raised them; the caller classifies them.
 */
export async function sendRequest(options: {
  transport: HttpTransport;
  spec: HttpRequestSpec;
  signal: AbortSignal;
}): Promise<TransportResponse> {
  const { spec, signal } = options;
  const origin = spec.url.origin;
  let url = spec.url;
  let method = spec.method;
  let body = spec.body;
  let headers: Record<string, string> = spec.headers;
  for (let hops = 0; ; hops++) {
    const response = await options.transport(url, { method, headers, body, signal });
    const status = response.status;
    if (response.opaqueRedirect) {
      await discard(response);
      throw blocked(status, origin, "redirects are not followed by this fetch");
    }
    if (status < 300 || status > 399) return response;
    if (spec.secret) {
      await discard(response);
      throw blocked(status, origin, "a request carrying a secret never follows redirects");
    }
    const location = response.headers.get("location");
    if (!FOLLOWED.has(status) || location === null) return response;
    await discard(response);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw blocked(status, origin, "the Location header is not a valid URL");
    }
    if (next.origin !== origin)
      throw blocked(status, origin, `redirects to another origin (${next.origin}) are not followed`);
    if (hops >= MAX_REDIRECTS) throw blocked(status, origin, `more than ${MAX_REDIRECTS} redirects`);
    if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
      if (method !== "HEAD") method = "GET";
      body = undefined;
      const { "content-type": _type, "content-length": _length, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}
