import { KiwiError } from "@kiwi/spec";
import { JsonRpcErrorCode } from "./jsonrpc-error";
import type { JsonRpcParams, JsonRpcRequest, JsonRpcResponse } from "./jsonrpc-message";

/** Answers a request the peer sends us. Throw a KiwiError with context `jsonrpc_code` to choose the code. */
export type JsonRpcRequestHandler = (params: JsonRpcParams | undefined, request: JsonRpcRequest) => unknown;

/**
 * Builds the response to a peer's request: -32601 when nothing handles the method (a peer waiting for an
 * answer must get one rather than hang), the handler's result, or its failure as an error response.
 */
export async function answerPeerRequest(
  handler: JsonRpcRequestHandler | undefined,
  request: JsonRpcRequest,
): Promise<JsonRpcResponse> {
  if (!handler) {
    const error = { code: JsonRpcErrorCode.METHOD_NOT_FOUND, message: `method not found: ${request.method}` };
    return { jsonrpc: "2.0", id: request.id, error };
  }
  try {
    return { jsonrpc: "2.0", id: request.id, result: (await handler(request.params, request)) ?? null };
  } catch (cause) {
    const code = KiwiError.isInstance(cause) ? cause.context.jsonrpc_code : undefined;
    const error = {
      code: typeof code === "number" ? code : JsonRpcErrorCode.INTERNAL_ERROR,
      message: cause instanceof Error ? cause.message : String(cause),
    };
    return { jsonrpc: "2.0", id: request.id, error };
  }
}
