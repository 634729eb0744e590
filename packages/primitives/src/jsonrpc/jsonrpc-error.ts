import { KiwiError } from "@kiwi/spec";

/** The Kiwi error code for everything JSON-RPC: error responses from a peer and protocol violations. */
export const JSONRPC_ERROR = "JSONRPC_ERROR";

/** The standard JSON-RPC 2.0 error codes, named so code reads as what it means. */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

const STANDARD_NAMES: Readonly<Record<number, string>> = {
  [-32700]: "parse error: the peer received invalid JSON",
  [-32600]: "invalid request: the message is not a valid JSON-RPC 2.0 request",
  [-32601]: "method not found: the peer does not offer this method",
  [-32602]: "invalid params: the peer rejected the parameters",
  [-32603]: "internal error: the peer failed while handling the call",
};

/** A readable name for a JSON-RPC error code (standard, reserved server range, or application-defined). */
export function describeJsonRpcCode(code: number): string {
  const standard = STANDARD_NAMES[code];
  if (standard) return standard;
  if (code >= -32099 && code <= -32000) return "server error";
  return "application error";
}

/**
 * Turns a JSON-RPC error object into a `KiwiError` with code JSONRPC_ERROR. The peer's own message is kept
 * (as `jsonrpc_message`) next to a readable explanation of the numeric code, so a caller can both show it
 * and branch on `jsonrpc_code`.
 */
export function jsonRpcErrorToKiwi(
  error: { code: number; message: string; data?: unknown },
  context: Record<string, unknown> = {},
): KiwiError {
  const described = describeJsonRpcCode(error.code);
  const ctx: Record<string, unknown> = {
    ...context,
    jsonrpc_code: error.code,
    jsonrpc_message: error.message,
  };
  if (error.data !== undefined) ctx.data = error.data;
  return new KiwiError({
    code: JSONRPC_ERROR,
    message: `JSON-RPC error ${error.code} (${described}): ${error.message}`,
    context: ctx,
  });
}

/** A local protocol violation (garbage line, unknown response id, oversized line) as a KiwiError. */
export function jsonRpcProtocolError(
  reason: string,
  message: string,
  context: Record<string, unknown> = {},
): KiwiError {
  return new KiwiError({ code: JSONRPC_ERROR, message, context: { reason, ...context } });
}
