import type { JsonRpcParams } from "../jsonrpc/jsonrpc-message";
import { type RpcPages, readRpcPages } from "../jsonrpc/rpc-pages";
import { type RpcPin, readRpcPin } from "../jsonrpc/rpc-pin";
import {
  invalidConfig,
  isRecord,
  readBoolean,
  readInteger,
  readString,
  rejectUnknownKeys,
} from "./config-fields";

/** One step of an rpc sequence: a request (waits for its response) or a notification (does not). */
export type RpcStep =
  | { kind: "request"; method: string; params?: JsonRpcParams; pin?: RpcPin; pages?: RpcPages }
  | { kind: "notify"; method: string; params?: JsonRpcParams };

export interface RpcConfig {
  sequence: RpcStep[];
  requestTimeoutMs: number;
  /** Stop the sequence at the first error response (default true): later steps usually depend on it. */
  stopOnError: boolean;
}

const MAX_TIMER_MS = 2_147_483_647;

function readStep(field: string, value: unknown): RpcStep {
  if (!isRecord(value))
    throw invalidConfig(field, "must be an object {method, params?, pin?, pages?} or {notify, params?}");
  rejectUnknownKeys(field, value, ["method", "notify", "params", "pin", "pages"]);
  if ("method" in value === "notify" in value)
    throw invalidConfig(field, 'needs exactly one of "method" (a request) and "notify" (a notification)');
  const params = value.params;
  if (params !== undefined && !isRecord(params) && !Array.isArray(params))
    throw invalidConfig(`${field}.params`, "must be an object or a list");
  if ("notify" in value && value.pin !== undefined)
    throw invalidConfig(`${field}.pin`, "only a request's response can be pinned");
  if ("notify" in value && value.pages !== undefined)
    throw invalidConfig(`${field}.pages`, "only a request's response can be paginated");
  if (value.pages !== undefined && params !== undefined && !isRecord(params))
    throw invalidConfig(
      `${field}.pages`,
      "a paginated request's params must be an object (the cursor is added to it)",
    );
  const step: RpcStep =
    "method" in value
      ? {
          kind: "request" as const,
          method: readString(`${field}.method`, value.method),
          ...(value.pin !== undefined ? { pin: readRpcPin(`${field}.pin`, value.pin) } : {}),
          ...(value.pages !== undefined ? { pages: readRpcPages(`${field}.pages`, value.pages) } : {}),
        }
      : { kind: "notify" as const, method: readString(`${field}.notify`, value.notify) };
  return params === undefined ? step : { ...step, params };
}

/** Reads `rpc: {sequence, request_timeout_ms?, stop_on_error?}`. */
export function readRpcConfig(value: unknown, timeoutMs: number): RpcConfig {
  if (!isRecord(value)) throw invalidConfig("rpc", "must be an object with a sequence list");
  rejectUnknownKeys("rpc", value, ["sequence", "request_timeout_ms", "stop_on_error"]);
  const { sequence } = value;
  if (!Array.isArray(sequence) || sequence.length === 0)
    throw invalidConfig("rpc.sequence", "must be a non-empty list of steps");
  return {
    sequence: sequence.map((step, i) => readStep(`rpc.sequence[${i}]`, step)),
    requestTimeoutMs: readInteger("rpc.request_timeout_ms", value.request_timeout_ms, {
      min: 1,
      max: MAX_TIMER_MS,
      fallback: Math.min(60_000, timeoutMs),
    }),
    stopOnError: readBoolean("rpc.stop_on_error", value.stop_on_error, true),
  };
}
