import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, expect } from "vitest";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
  index: number,
) => void | Promise<void>;

export interface Loopback {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Exceptions thrown by the handler (a test bug, unless the test provoked one). */
  readonly errors: unknown[];
  /** TCP connections accepted so far (keep-alive reuses one). */
  readonly connections: number;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1, port 0, recording every request (body read before the handler). */
export async function startLoopback(handler: Handler): Promise<Loopback> {
  const requests: RecordedRequest[] = [];
  const errors: unknown[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const recorded = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(parts).toString("utf8"),
    };
    requests.push(recorded);
    try {
      await handler(req, res, recorded, requests.length - 1);
    } catch (error) {
      errors.push(error);
      res.destroy();
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    connections++;
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    errors,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes an SSE response head. */
export function sseHead(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `serve(handler)` for a test file: starts a loopback server that is closed after each test, and fails the
 * test when a handler threw.
 */
export function loopbackServers(): (handler: Handler) => Promise<Loopback> {
  const servers: Loopback[] = [];
  afterEach(async () => {
    const closing = servers.splice(0);
    await Promise.all(closing.map((s) => s.close()));
    expect(closing.flatMap((s) => s.errors)).toEqual([]);
  });
  return async (handler) => {
    const server = await startLoopback(handler);
    servers.push(server);
    return server;
  };
}
