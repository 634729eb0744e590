import type { Readable, Writable } from "node:stream";
import type { KiwiError } from "@kiwi/spec";
import { jsonRpcProtocolError } from "./jsonrpc-error";
import { encodeJsonRpc, type JsonRpcMessage, parseJsonRpcMessage } from "./jsonrpc-message";
import type { JsonRpcTransport } from "./jsonrpc-transport";
import { LineSplitter, type SplitLine } from "./line-splitter";

export const DEFAULT_MAX_JSONRPC_LINE_BYTES = 4 * 1024 * 1024;

export interface NdjsonTransportOptions {
  /** Where messages arrive (a child's stdout). */
  readable: Readable;
  /** Where messages go (a child's stdin). */
  writable: Writable;
  /** A longer line is dropped and reported, so a runaway peer cannot grow memory. Default 4 MiB. */
  maxLineBytes?: number;
}

/**
 * Newline-delimited JSON-RPC over a Readable/Writable pair (MCP stdio framing): one JSON message per line,
 * \n or \r\n terminated, split correctly wherever the chunk boundaries fall. Empty lines are skipped.
 */
export function createNdjsonTransport(options: NdjsonTransportOptions): JsonRpcTransport {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_JSONRPC_LINE_BYTES;
  const splitter = new LineSplitter(maxLineBytes);
  const messageHandlers: Array<(message: JsonRpcMessage) => void> = [];
  const errorHandlers: Array<(error: KiwiError) => void> = [];
  const closeHandlers: Array<(reason?: Error) => void> = [];
  let ended = false;

  const deliver = (line: SplitLine) => {
    if (line.truncated) {
      const error = jsonRpcProtocolError(
        "line_too_long",
        `a JSON-RPC message longer than ${maxLineBytes} bytes was dropped (raise max_line_bytes if the peer really sends such messages)`,
        { max_line_bytes: maxLineBytes },
      );
      for (const handler of errorHandlers) handler(error);
      return;
    }
    const text = line.bytes.toString("utf8");
    if (text.trim() === "") return;
    let message: JsonRpcMessage;
    try {
      message = parseJsonRpcMessage(text);
    } catch (error) {
      for (const handler of errorHandlers) handler(error as KiwiError);
      return;
    }
    for (const handler of messageHandlers) handler(message);
  };

  const finish = (reason?: Error) => {
    if (ended) return;
    ended = true;
    const last = splitter.flush();
    if (last) deliver(last);
    for (const handler of closeHandlers) handler(reason);
  };

  options.readable.on("data", (chunk: Buffer | string) => {
    for (const line of splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)) deliver(line);
  });
  options.readable.once("end", () => finish());
  options.readable.once("close", () => finish());
  options.readable.once("error", (error: Error) => finish(error));
  // EPIPE when the peer exits first surfaces through send() and onClose; it must not crash the process.
  options.writable.on("error", () => {});

  return {
    send(message) {
      const { writable } = options;
      if (writable.destroyed || writable.writableEnded)
        return Promise.reject(
          jsonRpcProtocolError("peer_closed", "the peer's input is closed: cannot send a JSON-RPC message"),
        );
      return new Promise<void>((resolve, reject) => {
        writable.write(`${encodeJsonRpc(message)}\n`, (error) => (error ? reject(error) : resolve()));
      });
    },
    onMessage: (handler) => void messageHandlers.push(handler),
    onError: (handler) => void errorHandlers.push(handler),
    onClose: (handler) => void closeHandlers.push(handler),
    close() {
      const { writable } = options;
      if (writable.destroyed || writable.writableEnded) return;
      return new Promise<void>((resolve) => writable.end(() => resolve()));
    },
  };
}
