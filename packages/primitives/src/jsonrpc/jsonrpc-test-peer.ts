// Test helper (not exported): a JsonRpcSession wired to a scripted peer through real streams and the
// real NDJSON transport, so session tests exercise the same framing a child process would.
import { PassThrough } from "node:stream";
import type { KiwiError } from "@kiwi/spec";
import type { JsonRpcNotification } from "./jsonrpc-message";
import { JsonRpcSession, type JsonRpcSessionOptions } from "./jsonrpc-session";
import { createNdjsonTransport } from "./ndjson-transport";

export function connectedPeer(options: JsonRpcSessionOptions & { maxLineBytes?: number } = {}) {
  const toPeer = new PassThrough();
  const fromPeer = new PassThrough();
  const protocolErrors: KiwiError[] = [];
  const notifications: JsonRpcNotification[] = [];
  const transport = createNdjsonTransport({
    readable: fromPeer,
    writable: toPeer,
    ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
  });
  const session = new JsonRpcSession(transport, {
    onProtocolError: (error) => protocolErrors.push(error),
    onNotification: (message) => notifications.push(message),
    ...options,
  });
  let buffered = "";
  const received: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  toPeer.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      received.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const peer = {
    received,
    /** Resolves once the peer has received at least `count` messages. */
    async waitFor(count: number): Promise<Array<Record<string, unknown>>> {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return received;
    },
    /** Writes raw text to the session, exactly as given (framing tests pass partial lines). */
    write: (text: string | Buffer) => fromPeer.write(text),
    send: (message: unknown) => fromPeer.write(`${JSON.stringify(message)}\n`),
    end: () => fromPeer.end(),
    inputEnded: () => toPeer.writableEnded,
  };
  return { session, peer, protocolErrors, notifications };
}
