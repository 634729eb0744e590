import type { KiwiError } from "@kiwi/spec";
import type { JsonRpcMessage } from "./jsonrpc-message";

/**
 * What a JsonRpcSession needs from the wire: newline-delimited stdio, HTTP bodies or SSE events all fit.
 * A transport delivers already parsed, validated messages; what it cannot parse it reports through
 * `onError`, so the session never sees a half-checked object.
 */
export interface JsonRpcTransport {
  send(message: JsonRpcMessage): Promise<void> | void;
  onMessage(handler: (message: JsonRpcMessage) => void): void;
  /** Optional: protocol errors (garbage, oversized messages). They never end the session by themselves. */
  onError?(handler: (error: KiwiError) => void): void;
  /** Optional: the peer went away (stdout ended, connection dropped); pending requests are then rejected. */
  onClose?(handler: (reason?: Error) => void): void;
  /** Stops sending (for stdio: ends the child's stdin). */
  close(): Promise<void> | void;
}
