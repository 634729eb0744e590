import type { KiwiError } from "@kiwi/spec";
import { JsonRpcErrorCode, jsonRpcProtocolError } from "./jsonrpc-error";

export type JsonRpcId = string | number;
/** JSON-RPC 2.0 allows by-name (object) or by-position (array) parameters. */
export type JsonRpcParams = Record<string, unknown> | unknown[];

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: JsonRpcParams;
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: JsonRpcParams;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcSuccessResponse {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result: unknown;
}

/** `id` is null only when the peer could not read the id of the message it answers (parse error). */
export interface JsonRpcErrorResponse {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccessResponse | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

const ALLOWED_KEYS = new Set(["jsonrpc", "id", "method", "params", "result", "error"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function invalid(message: string, preview: string): KiwiError {
  return jsonRpcProtocolError("invalid_message", `invalid JSON-RPC message: ${message}`, {
    jsonrpc_code: JsonRpcErrorCode.INVALID_REQUEST,
    preview,
  });
}

/** Checks a decoded value; returns the message or the reason it is not one. */
function validate(value: unknown): JsonRpcMessage | string {
  if (Array.isArray(value)) return "batches (JSON arrays) are not supported";
  if (!isPlainObject(value)) return "expected a JSON object";
  if (value.jsonrpc !== "2.0") return 'member "jsonrpc" must be exactly "2.0"';
  const unknown = Object.keys(value).find((key) => !ALLOWED_KEYS.has(key));
  if (unknown !== undefined) return `unknown member "${unknown}"`;
  if ("params" in value && !isPlainObject(value.params) && !Array.isArray(value.params))
    return 'member "params" must be an object or an array';
  if ("method" in value) {
    if (typeof value.method !== "string" || value.method === "") return 'member "method" must be a string';
    if ("result" in value || "error" in value) return "a request cannot carry result or error";
    // A null id cannot be correlated (and MCP forbids it), so a request needs a string or number id.
    if ("id" in value && !isId(value.id)) return 'a request "id" must be a string or a finite number';
    return value as unknown as JsonRpcRequest | JsonRpcNotification;
  }
  if ("result" in value === "error" in value) return "a response carries exactly one of result and error";
  if ("result" in value) {
    if (!isId(value.id)) return 'a success response "id" must be a string or a finite number';
    return value as unknown as JsonRpcSuccessResponse;
  }
  if (!isId(value.id) && value.id !== null) return 'an error response "id" must be a string, number or null';
  const error = value.error;
  if (!isPlainObject(error)) return 'member "error" must be an object';
  if (!Number.isInteger(error.code)) return 'member "error.code" must be an integer';
  if (typeof error.message !== "string") return 'member "error.message" must be a string';
  const extra = Object.keys(error).find((key) => key !== "code" && key !== "message" && key !== "data");
  if (extra !== undefined) return `unknown member "error.${extra}"`;
  return value as unknown as JsonRpcErrorResponse;
}

/**
 * Parses one line of newline-delimited JSON-RPC 2.0. Throws a KiwiError (code JSONRPC_ERROR, context
 * `jsonrpc_code` -32700 for invalid JSON or -32600 for a wrong shape, `preview` of the line's start) rather
 * than handing a half-checked object to the session.
 */
export function parseJsonRpcMessage(line: string): JsonRpcMessage {
  const preview = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw jsonRpcProtocolError("parse_error", `not valid JSON (${line.length} characters)`, {
      jsonrpc_code: JsonRpcErrorCode.PARSE_ERROR,
      preview,
    });
  }
  const checked = validate(value);
  if (typeof checked === "string") throw invalid(checked, preview);
  return checked;
}

/** One message as a single line of JSON (JSON.stringify escapes newlines inside strings); no trailing \n. */
export function encodeJsonRpc(message: JsonRpcMessage): string {
  return JSON.stringify(message);
}

export function isJsonRpcRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return "method" in message && "id" in message;
}

export function isJsonRpcNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return "method" in message && !("id" in message);
}

export function isJsonRpcResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !("method" in message);
}
