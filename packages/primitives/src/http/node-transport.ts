import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { ACCEPT_ENCODING, contentDecoders } from "./content-decoding";
import type { HttpTransport, ResponseHeaders, TransportRequest, TransportResponse } from "./http-transport";

/**
 * An idle kept-alive socket is closed after this long (undici's default), sooner when the server's
 * `Keep-Alive: timeout=N` hint says so. Idle sockets are unref'd by node's Agent: they never keep a
 * process alive.
 */
const IDLE_SOCKET_MS = 4000;
/** How long a new connection may take to open (undici's default: fetch failed such a connect as TIMEOUT). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Decoded chunks buffered ahead of the reader before the socket is paused. */
const READ_AHEAD = 8;

/**
 * The Node transport: node:http / node:https with one keep-alive Agent per protocol for this transport
 * (so per primitive), about 4× cheaper per call than fetch on a loopback SSE reply. Sends what fetch
 * sends by default (accept, accept-encoding, user-agent, content-type of a text body, content-length)
 * and decodes gzip, deflate and br like fetch does, so limits apply to decoded bytes.
 */
export function createNodeTransport(settings: { connectTimeoutMs?: number } = {}): HttpTransport {
  const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: "lifo" } as const;
  const agents = { http: new HttpAgent(options), https: new HttpsAgent(options) };
  const connectMs = settings.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  return (url, request) =>
    send(url, request, url.protocol === "https:" ? agents.https : agents.http, connectMs);
}

/** Destroys a request whose new connection does not open within `ms` (a reused socket is already open). */
function limitConnect(req: ClientRequest, ms: number): void {
  req.once("socket", (socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`the connection did not open within ${ms} ms`), {
        code: "ECONNECT_TIMEOUT",
      });
      req.destroy(error);
    }, ms);
    const clear = () => clearTimeout(timer);
    socket.once("connect", clear);
    socket.once("close", clear);
  });
}

function outgoingHeaders(request: TransportRequest): Record<string, string> {
  const headers: Record<string, string> = {
    accept: "*/*",
    "accept-encoding": ACCEPT_ENCODING,
    "user-agent": "node",
    ...request.headers,
  };
  if (request.body !== undefined) {
    headers["content-type"] ??= "text/plain;charset=UTF-8";
    headers["content-length"] = String(Buffer.byteLength(request.body));
  } else if (request.method !== "GET" && request.method !== "HEAD") {
    headers["content-length"] = "0";
  } else {
    delete headers["content-length"];
  }
  return headers;
}

function send(
  url: URL,
  request: TransportRequest,
  agent: HttpAgent,
  connectMs: number,
): Promise<TransportResponse> {
  const { signal } = request;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const send = agent instanceof HttpsAgent ? httpsRequest : httpRequest;
    const req = send(url, { method: request.method, headers: outgoingHeaders(request), agent });
    limitConnect(req, connectMs);
    let body: NodeBody | undefined;
    const release = () => signal.removeEventListener("abort", onAbort);
    const fail = (error: unknown) => {
      release();
      if (body) body.fail(error);
      else reject(error);
    };
    const onAbort = () => {
      req.destroy();
      fail(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    req.on("response", (res) => {
      try {
        body = new NodeBody(res, req, request.method, release);
        resolve(body);
      } catch (error) {
        req.destroy();
        fail(error);
      }
    });
    req.end(request.body);
  });
}

/** A connection that closed before the body's end, coded like the socket error node raises for it. */
function prematureClose(): Error {
  return Object.assign(new Error("the connection closed before the response body ended"), {
    code: "ECONNRESET",
  });
}

/** Response headers as fetch's `Headers` show them: lower-cased, repeated fields joined with ", ". */
class NodeHeaders implements ResponseHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const previous = this.map.get(name);
      this.map.set(name, previous === undefined ? raw[i + 1]! : `${previous}, ${raw[i + 1]}`);
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of [...this.map].sort(([a], [b]) => (a < b ? -1 : 1))) callback(value, name);
  }
}

/** The response of one node:http request, its body decoded and read through a small queue. */
class NodeBody implements TransportResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: NodeHeaders;
  readonly opaqueRedirect = false;
  private readonly stages: Readable[];
  private readonly out: Readable;
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private error: unknown;
  private waiter:
    | { resolve: (chunk: Uint8Array | undefined) => void; reject: (e: unknown) => void }
    | undefined;

  constructor(
    res: IncomingMessage,
    private readonly req: ClientRequest,
    method: string,
    private readonly release: () => void,
  ) {
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? "";
    this.headers = new NodeHeaders(res.rawHeaders);
    const bodyless = method === "HEAD" || this.status === 204 || this.status === 304;
    const decoders = bodyless ? [] : contentDecoders(this.headers.get("content-encoding"), this.status);
    res.on("error", (error) => this.fail(error));
    res.on("close", () => {
      if (!res.complete) this.fail(prematureClose());
    });
    let out: Readable = res;
    for (const decoder of decoders) {
      decoder.on("error", (error) => this.fail(error));
      out = out.pipe(decoder);
    }
    this.stages = [res, ...decoders];
    this.out = out;
    out.on("data", (chunk: Uint8Array) => {
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        waiter.resolve(chunk);
        return;
      }
      this.queue.push(chunk);
      if (this.queue.length >= READ_AHEAD) out.pause();
    });
    out.on("end", () => {
      this.ended = true;
      this.release();
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.resolve(undefined);
    });
  }

  read(): Promise<Uint8Array | undefined> {
    const chunk = this.queue.shift();
    if (chunk) {
      if (this.queue.length < READ_AHEAD / 2 && this.out.isPaused()) this.out.resume();
      return Promise.resolve(chunk);
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The body broke (socket error, decoder error, abort): whatever is queued is dropped with it. */
  fail(error: unknown): void {
    if (this.ended || this.error !== undefined) return;
    this.error = error;
    this.queue.length = 0;
    this.release();
    this.req.destroy();
    for (const stage of this.stages) stage.destroy();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  async cancel(): Promise<void> {
    // A body not read to its end: destroying the socket is the only way not to hand a half-read
    // connection to the next request.
    if (!this.ended) this.fail(new Error("the response body was cancelled"));
  }
}
