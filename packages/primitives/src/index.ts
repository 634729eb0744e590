// Public API of @kiwi/primitives (runtime-neutral part), listed by name on purpose (no `export *`).
// Node-only primitives (subprocess, stdio JSON-RPC transport) are exported from "@kiwi/primitives/node".

export type { HttpClientOptions } from "./http/http-client-primitive";
export { createHttpClientPrimitive } from "./http/http-client-primitive";
export type { ReturnedEvent, ReturnSink } from "./http/return-sink";
export { createReturnSink } from "./http/return-sink";
export type { JsonRpcRequestHandler } from "./jsonrpc/answer-peer-request";
export {
  describeJsonRpcCode,
  JSONRPC_ERROR,
  JsonRpcErrorCode,
  jsonRpcErrorToKiwi,
} from "./jsonrpc/jsonrpc-error";
export type {
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSuccessResponse,
} from "./jsonrpc/jsonrpc-message";
export {
  encodeJsonRpc,
  isJsonRpcNotification,
  isJsonRpcRequest,
  isJsonRpcResponse,
  parseJsonRpcMessage,
} from "./jsonrpc/jsonrpc-message";
export type { JsonRpcCallOptions, JsonRpcSessionOptions } from "./jsonrpc/jsonrpc-session";
export { DEFAULT_JSONRPC_REQUEST_TIMEOUT_MS, JsonRpcSession } from "./jsonrpc/jsonrpc-session";
export type { JsonRpcTransport } from "./jsonrpc/jsonrpc-transport";
export type { SseParser, SseParserOptions } from "./sse/sse-parser";
export { createSseParser } from "./sse/sse-parser";
