/**
 * What http_client needs from an HTTP implementation: send one request (redirects never followed by the
 * transport itself: `sendRequest` applies Kiwi's redirect policy) and read the decoded body chunk by
 * chunk. Two implementations: `fetchTransport` (any WHATWG fetch; runtime-neutral) and the Node one
 * (`node-transport.ts`, node:http/node:https with keep-alive agents), which the Node entry uses by default.
 */

/** Lower-cased response header lookup (a WHATWG `Headers` is one). */
export interface ResponseHeaders {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

export interface TransportRequest {
  readonly method: string;
  /** Lower-cased names, already validated. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Aborts the request and any body read still in flight. */
  readonly signal: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  /** A fetch that hid a redirect from us (`response.type === "opaqueredirect"`). */
  readonly opaqueRedirect: boolean;
  /** The next chunk of the decoded body, or undefined at its end; rejects when the body broke or was aborted. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops reading what is left: the connection is released (never reused when the body was not read to its end). */
  cancel(): Promise<void>;
}

export type HttpTransport = (url: URL, request: TransportRequest) => Promise<TransportResponse>;

/** A transport over a WHATWG fetch (`redirect: "manual"`; fetch decodes gzip, deflate and br itself). */
export function fetchTransport(fetchFn: typeof fetch): HttpTransport {
  return async (url, request) => {
    const response = await fetchFn(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: request.signal,
    });
    const reader = response.body?.getReader();
    return {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      opaqueRedirect: response.type === "opaqueredirect",
      read: async () => {
        if (!reader) return undefined;
        const chunk = await reader.read();
        return chunk.done ? undefined : chunk.value;
      },
      cancel: async () => {
        await reader?.cancel().catch(() => undefined);
      },
    };
  };
}
