import { KiwiError } from "@kiwi/spec";
import { answerPeerRequest, type JsonRpcRequestHandler } from "./answer-peer-request";
import { jsonRpcErrorToKiwi, jsonRpcProtocolError } from "./jsonrpc-error";
import {
  isJsonRpcNotification,
  isJsonRpcRequest,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcParams,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "./jsonrpc-message";
import type { JsonRpcTransport } from "./jsonrpc-transport";
import { PendingRequests } from "./pending-requests";

export const DEFAULT_JSONRPC_REQUEST_TIMEOUT_MS = 60_000;

export interface JsonRpcSessionOptions {
  /** Garbage lines, responses to unknown ids, error responses with a null id. The session goes on. */
  onProtocolError?: (error: KiwiError) => void;
  onNotification?: (notification: JsonRpcNotification) => void;
  /** Requests from the peer; a method without a handler is answered with -32601 (method not found). */
  requestHandlers?: Record<string, JsonRpcRequestHandler>;
  /** Used when a call names no timeout. Default 60 s. */
  defaultTimeoutMs?: number;
}

export interface JsonRpcCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A JSON-RPC 2.0 client/peer over any JsonRpcTransport: correlates responses by id (in any order),
 * times requests out, answers the peer's own requests, and rejects everything pending once it closes.
 */
export class JsonRpcSession {
  private readonly pending = new PendingRequests();
  private readonly handlers: Map<string, JsonRpcRequestHandler>;
  private nextId = 1;
  private closedReason: string | undefined;

  constructor(
    private readonly transport: JsonRpcTransport,
    private readonly options: JsonRpcSessionOptions = {},
  ) {
    this.handlers = new Map(Object.entries(options.requestHandlers ?? {}));
    transport.onMessage((message) => this.receive(message));
    transport.onError?.((error) => this.options.onProtocolError?.(error));
    transport.onClose?.(() => this.shutdown("the peer closed the connection"));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  setRequestHandler(method: string, handler: JsonRpcRequestHandler): void {
    this.handlers.set(method, handler);
  }

  /** Sends a request and resolves with the peer's response, success or error; rejects on timeout/abort/close. */
  call(method: string, params?: JsonRpcParams, options: JsonRpcCallOptions = {}): Promise<JsonRpcResponse> {
    if (this.closedReason) return Promise.reject(this.closedError(method, undefined));
    const id = this.nextId++;
    const timeoutMs =
      options.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_JSONRPC_REQUEST_TIMEOUT_MS;
    const response = this.pending.wait(id, method, {
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const request: JsonRpcRequest = { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) };
    Promise.resolve()
      .then(() => this.transport.send(request))
      .catch((cause: unknown) => {
        const message = `could not send JSON-RPC request "${method}": ${(cause as Error)?.message ?? cause}`;
        this.pending.reject(
          id,
          new KiwiError({ code: "JSONRPC_ERROR", message, context: { method, id }, cause }),
        );
      });
    return response;
  }

  /** Like `call`, but resolves with the result and rejects with a JSONRPC_ERROR KiwiError on an error response. */
  async request(method: string, params?: JsonRpcParams, options?: JsonRpcCallOptions): Promise<unknown> {
    const response = await this.call(method, params, options);
    if ("error" in response) throw jsonRpcErrorToKiwi(response.error, { method, id: response.id });
    return response.result;
  }

  async notify(method: string, params?: JsonRpcParams): Promise<void> {
    if (this.closedReason) throw this.closedError(method, undefined);
    await this.transport.send({ jsonrpc: "2.0", method, ...(params ? { params } : {}) });
  }

  /** Rejects every pending request with a clear error and closes the transport. Idempotent. */
  async close(): Promise<void> {
    if (this.closedReason) return;
    this.shutdown("the session was closed");
    await this.transport.close();
  }

  private shutdown(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.pending.rejectAll((method, id) => this.closedError(method, id));
  }

  private closedError(method: string, id: JsonRpcId | undefined): KiwiError {
    const which = id === undefined ? `"${method}"` : `"${method}" (id ${id})`;
    const message = `JSON-RPC request ${which} cannot complete: ${this.closedReason} before a response arrived`;
    return new KiwiError({ code: "ABORTED", message, context: { method, id, reason: "session_closed" } });
  }

  private receive(message: JsonRpcMessage): void {
    if (isJsonRpcRequest(message)) {
      void this.answer(message);
      return;
    }
    if (isJsonRpcNotification(message)) {
      this.options.onNotification?.(message);
      return;
    }
    if (message.id !== null && this.pending.resolve(message.id, message)) return;
    const error =
      "error" in message && message.id === null
        ? jsonRpcErrorToKiwi(message.error, { reason: "error_without_id" })
        : jsonRpcProtocolError("unknown_id", `ignored a JSON-RPC response for unknown id ${message.id}`, {
            id: message.id,
          });
    this.options.onProtocolError?.(error);
  }

  private async answer(request: JsonRpcRequest): Promise<void> {
    const response = await answerPeerRequest(this.handlers.get(request.method), request);
    if (this.closedReason) return;
    try {
      await this.transport.send(response);
    } catch (cause) {
      const message = `could not answer the peer's "${request.method}" request: ${(cause as Error)?.message}`;
      this.options.onProtocolError?.(jsonRpcProtocolError("send_failed", message, { id: request.id }));
    }
  }
}
