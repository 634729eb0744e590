import type { Readable, Writable } from "node:stream";
import { KiwiError } from "@kiwi/spec";
import { JSONRPC_ERROR, jsonRpcErrorToKiwi } from "../jsonrpc/jsonrpc-error";
import type { JsonRpcErrorObject, JsonRpcId } from "../jsonrpc/jsonrpc-message";
import { JsonRpcSession } from "../jsonrpc/jsonrpc-session";
import { createNdjsonTransport } from "../jsonrpc/ndjson-transport";
import { PageCollector } from "../jsonrpc/rpc-pages";
import { checkRpcPin } from "../jsonrpc/rpc-pin";
import type { RpcConfig } from "./rpc-config";

export type RpcResponseRecord =
  | { id: JsonRpcId; result: unknown }
  | { id: JsonRpcId; error: JsonRpcErrorObject };

export interface RpcOutcome {
  responses: RpcResponseRecord[];
  /** The first thing that went wrong: an error response (JSONRPC_ERROR), a timeout, a lost peer. */
  error?: { code: string; message: string; [key: string]: unknown };
  /** Garbage on stdout, responses to unknown ids (capped: a flood of garbage must not grow the result). */
  protocolErrors: string[];
}

const MAX_PROTOCOL_ERRORS = 20;
/**
 * Protocol errors that can only be a broken answer to the request in flight (requests run one at a time):
 * an oversized line, a response to an id never sent, an error with a null id, a JSON object that is not a
 * JSON-RPC message. Waiting for the timeout would only delay the failure, so the request fails at once.
 * Lines that are not JSON at all (a server's stray log output) are only recorded.
 */
const FATAL_REASONS = new Set(["line_too_long", "unknown_id", "error_without_id", "invalid_message"]);

function describeFailure(error: unknown, method: string): NonNullable<RpcOutcome["error"]> {
  if (KiwiError.isInstance(error) && error.context.reason === "session_closed")
    return {
      code: "PRIMITIVE_FAILED",
      message: `the process closed its output before answering "${method}"; see stderr and exit_code`,
      method,
    };
  if (KiwiError.isInstance(error)) return { ...error.toJSON(), method };
  const message = error instanceof Error ? error.message : String(error);
  return { code: "PRIMITIVE_FAILED", message: `JSON-RPC step "${method}" failed: ${message}`, method };
}

/**
 * Plays an rpc sequence over a child's stdio: each request waits for its response by id, notifications
 * are just sent. Stdin is closed at the end (or at the first failure), which tells a stdio server such as
 * an MCP server to exit. `run` never rejects: everything lands in `outcome`.
 */
export function createRpcConversation(options: {
  rpc: RpcConfig;
  maxLineBytes: number;
  signal: AbortSignal | undefined;
}) {
  const outcome: RpcOutcome = { responses: [], protocolErrors: [] };
  const run = async ({ stdin, stdout }: { stdin: Writable; stdout: Readable }): Promise<void> => {
    const transport = createNdjsonTransport({
      readable: stdout,
      writable: stdin,
      maxLineBytes: options.maxLineBytes,
    });
    let inFlight: AbortController | undefined;
    let fatal: KiwiError | undefined;
    const session = new JsonRpcSession(transport, {
      defaultTimeoutMs: options.rpc.requestTimeoutMs,
      onProtocolError: (error) => {
        if (outcome.protocolErrors.length < MAX_PROTOCOL_ERRORS) outcome.protocolErrors.push(error.message);
        if (inFlight && !fatal && FATAL_REASONS.has(String(error.context.reason))) {
          fatal = error;
          inFlight.abort();
        }
      },
    });
    let method = "";
    try {
      for (const step of options.rpc.sequence) {
        method = step.method;
        if (step.kind === "notify") {
          await session.notify(step.method, step.params);
          continue;
        }
        const call = async (params: typeof step.params) => {
          inFlight = new AbortController();
          const signal = options.signal
            ? AbortSignal.any([options.signal, inFlight.signal])
            : inFlight.signal;
          const answer = await session.call(step.method, params, { signal }).catch((error) => {
            if (!fatal) throw error;
            throw new KiwiError({
              code: fatal.code,
              message: `no usable answer to "${step.method}": ${fatal.message}`,
              context: fatal.context,
            });
          });
          inFlight = undefined;
          return answer;
        };
        let response = await call(step.params);
        if (step.pages && "result" in response) {
          // Every page in this session, joined into one answer (bounded: RPC_PAGE_LIMIT).
          const pages = new PageCollector(step.pages, step.method);
          for (let params = pages.add(response.result, step.params); params; ) {
            response = await call(params);
            if (!("result" in response)) break;
            params = pages.add(response.result, params);
          }
          if ("result" in response) response = { ...response, result: pages.result() };
        }
        if ("result" in response) {
          if (!step.pin) {
            outcome.responses.push({ id: response.id, result: response.result });
            continue;
          }
          // A pinned answer gates the steps after it; the caller gets the verdict, not the answer.
          const broken = await checkRpcPin(response.result, step.pin);
          outcome.responses.push({ id: response.id, result: { pinned_sha256: step.pin.sha256 } });
          if (broken) {
            // A pinned answer changed: nothing after this step is sent.
            outcome.error ??= { ...broken, method };
            break;
          }
          continue;
        }
        // Only responses to our own (numeric) ids reach here; a null-id error goes to onProtocolError.
        outcome.responses.push({ id: response.id as JsonRpcId, error: response.error });
        const kiwi = jsonRpcErrorToKiwi(response.error, { method });
        outcome.error ??= { ...kiwi.toJSON(), code: JSONRPC_ERROR };
        if (options.rpc.stopOnError) break;
      }
    } catch (error) {
      outcome.error ??= describeFailure(error, method);
    } finally {
      await session.close().catch(() => {});
    }
  };
  return { outcome, run };
}
