// Test helper (not exported): a real `ws` server on 127.0.0.1 that records what each connection received.
import type { IncomingMessage } from "node:http";
import type { SinkEvent } from "@kiwi/spec";
import { type WebSocket, WebSocketServer } from "ws";

export interface Connection {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  readonly frames: string[];
  readonly binary: boolean[];
  /** Resolves with the close code once this connection is closed. */
  readonly closed: Promise<number>;
}

export interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly connections: Connection[];
  /** Every event received, over all connections, in arrival order. */
  events(): SinkEvent[];
  waitForEvents(count: number, timeoutMs?: number): Promise<SinkEvent[]>;
  stop(): Promise<void>;
}

export async function startServer(port = 0): Promise<TestServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  const connections: Connection[] = [];
  wss.on("connection", (socket, request) => {
    const frames: string[] = [];
    const binary: boolean[] = [];
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.on("message", (data, isBinary) => {
      frames.push(data.toString());
      binary.push(isBinary);
    });
    connections.push({ socket, request, frames, binary, closed });
  });
  const actual = (wss.address() as { port: number }).port;
  const events = () => connections.flatMap((c) => c.frames.map((f) => JSON.parse(f) as SinkEvent));
  return {
    port: actual,
    url: `ws://127.0.0.1:${actual}/events`,
    connections,
    events,
    async waitForEvents(count, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (events().length < count) {
        if (Date.now() > end) throw new Error(`server got ${events().length} of ${count} events`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return events();
    },
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A port that was free a moment ago (nothing listens on it now). */
export async function freePort(): Promise<number> {
  const server = await startServer();
  await server.stop();
  return server.port;
}

export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function numbered(from: number, to: number): SinkEvent[] {
  return Array.from({ length: to - from }, (_, i) => ({ event: "message", data: `e${from + i}` }));
}
