import { KiwiError, type PrimitiveResult } from "@kiwi/spec";
import { jsonRpcProtocolError } from "../jsonrpc/jsonrpc-error";
import { type JsonRpcMessage, parseJsonRpcMessage } from "../jsonrpc/jsonrpc-message";
import { PageCollector, type RpcPages, readRpcPages } from "../jsonrpc/rpc-pages";
import { checkRpcPin, type RpcPin, readRpcPin } from "../jsonrpc/rpc-pin";
import { createSseParser } from "../sse/sse-parser";
import type { HttpTransport, ResponseHeaders } from "./http-transport";
import type { HttpRequestSpec } from "./http-types";
import { runSyncAttempt } from "./sync-request";

type Step =
  | { method: string; params?: unknown; pin?: RpcPin; pages?: RpcPages }
  | { notify: string; params?: unknown };

export interface HttpRpcSettings {
  readonly sequence: readonly Step[];
  /** Response header whose value is sent back on every later request (MCP: `mcp-session-id`). */
  readonly sessionHeader?: string;
}

function invalid(message: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `http_client rpc: ${message}`,
    context: { field: "rpc" },
  });
}

/** Reads `config.rpc`: `{sequence: [{method, params?} | {notify, params?}], session_header?}`. */
export function parseHttpRpc(value: unknown): HttpRpcSettings | undefined {
  if (value === undefined) return undefined;
  const v = value as { sequence?: unknown; session_header?: unknown };
  if (!v || typeof v !== "object" || !Array.isArray(v.sequence) || v.sequence.length === 0) {
    throw invalid("needs a non-empty sequence of {method, params?} or {notify, params?} steps");
  }
  const sequence = v.sequence.map((step, i): Step => {
    const s = step as Record<string, unknown>;
    if (typeof s?.method !== "string" && typeof s?.notify !== "string")
      throw invalid(`sequence[${i}] needs method or notify`);
    if (s.pin === undefined && s.pages === undefined) return s as Step;
    if (typeof s.method !== "string")
      throw invalid(`sequence[${i}]: only a request can be pinned or paginated`);
    if (
      s.pages !== undefined &&
      s.params !== undefined &&
      (typeof s.params !== "object" || s.params === null || Array.isArray(s.params))
    )
      throw invalid(
        `sequence[${i}].pages: a paginated request's params must be an object (the cursor is added to it)`,
      );
    return {
      ...(s as { method: string }),
      ...(s.pin !== undefined ? { pin: readRpcPin(`sequence[${i}].pin`, s.pin) } : {}),
      ...(s.pages !== undefined ? { pages: readRpcPages(`sequence[${i}].pages`, s.pages) } : {}),
    };
  });
  if (
    v.session_header !== undefined &&
    (typeof v.session_header !== "string" || !/^[a-z0-9-]+$/i.test(v.session_header))
  ) {
    throw invalid("session_header must be a header name");
  }
  return {
    sequence,
    sessionHeader: (v.session_header as string | undefined)?.toLowerCase(),
  };
}

/** JSON-RPC messages in a response body: a JSON object or array, or SSE events whose data is JSON. */
function messagesIn(body: unknown, contentType: string): JsonRpcMessage[] {
  if (body === null || body === undefined || body === "") return [];
  if (contentType.includes("text/event-stream") && typeof body === "string") {
    const out: JsonRpcMessage[] = [];
    const parser = createSseParser({ onEvent: (e) => out.push(parseJsonRpcMessage(e.data)) });
    parser.feed(new TextEncoder().encode(body));
    parser.end();
    return out;
  }
  const list = Array.isArray(body) ? body : [body];
  return list.map((m) => parseJsonRpcMessage(typeof m === "string" ? m : JSON.stringify(m)));
}

/**
 * For a request answered as an SSE stream: stops reading once the response to `id` arrived (a server may
 * keep the stream open) and fails at once on a response to another id or an error without one, instead of
 * waiting for timeout_ms. The server's own requests and notifications on the stream are skipped.
 */
function watchEventStream(headers: ResponseHeaders, id: number, method: string) {
  if (!(headers.get("content-type") ?? "").includes("text/event-stream")) return undefined;
  let answered = false;
  const parser = createSseParser({
    onEvent: (e) => {
      if (answered) return;
      const m = parseJsonRpcMessage(e.data);
      if ("method" in m) return;
      if (m.id === id) {
        answered = true;
        return;
      }
      throw jsonRpcProtocolError(
        m.id === null ? "error_without_id" : "unknown_id",
        `no usable answer to "${method}" (id ${id}): the server sent a response for ${m.id === null ? "no id" : `id ${JSON.stringify(m.id)}`}`,
        { id: m.id },
      );
    },
  });
  return (chunk: Uint8Array) => {
    parser.feed(chunk);
    return answered;
  };
}

/**
 * JSON-RPC over HTTP (MCP Streamable HTTP): each step is one POST to the configured URL; a request's
 * response comes back as JSON or as an SSE stream and is matched by id; the session header the server
 * returns is sent on every later request. Same auth, secret and redirect rules as a sync request.
 */
export async function runHttpRpc(options: {
  spec: HttpRequestSpec;
  rpc: HttpRpcSettings;
  transport: HttpTransport;
  signal?: AbortSignal;
}): Promise<PrimitiveResult> {
  const { spec, rpc } = options;
  const responses: unknown[] = [];
  let session: string | undefined;
  let nextId = 1;
  /** One POST: the reply to a request (matched by id), nothing for a notification, or the failure. */
  const post = async (
    step: Step,
    params: unknown,
  ): Promise<{ reply?: JsonRpcMessage & { id?: unknown }; status: number } | { failed: PrimitiveResult }> => {
    const isRequest = "method" in step;
    const id = isRequest ? nextId++ : undefined;
    const message = isRequest
      ? { jsonrpc: "2.0", id, method: step.method, ...(params === undefined ? {} : { params }) }
      : { jsonrpc: "2.0", method: step.notify, ...(params === undefined ? {} : { params }) };
    const headers: Record<string, string> = {
      ...spec.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(session && rpc.sessionHeader ? { [rpc.sessionHeader]: session } : {}),
    };
    const outcome = await runSyncAttempt({
      transport: options.transport,
      spec: { ...spec, method: "POST", headers, body: JSON.stringify(message), mode: "sync" },
      signal: options.signal,
      ...("method" in step && id !== undefined
        ? { watchBody: (h: ResponseHeaders) => watchEventStream(h, id, step.method) }
        : {}),
    });
    if (outcome.error) {
      return {
        failed: {
          success: false,
          status_code: outcome.status,
          responses,
          error: { ...outcome.error.toJSON(), step: isRequest ? step.method : step.notify },
        },
      };
    }
    if (rpc.sessionHeader && outcome.headers[rpc.sessionHeader]) session = outcome.headers[rpc.sessionHeader];
    if (!("method" in step)) return { status: outcome.status };
    const reply = messagesIn(outcome.body, outcome.headers["content-type"] ?? "").find(
      (m) => "id" in m && m.id === id,
    );
    if (!reply) {
      return {
        failed: {
          success: false,
          status_code: outcome.status,
          responses,
          error: {
            code: "JSONRPC_ERROR",
            message: `no JSON-RPC response to '${step.method}' (id ${id}) in the HTTP response`,
            retryable: false,
          },
        },
      };
    }
    return { reply, status: outcome.status };
  };
  for (const step of rpc.sequence) {
    const sent = await post(step, step.params);
    if ("failed" in sent) return sent.failed;
    if (!("method" in step)) continue;
    let reply = sent.reply!;
    if (step.pages && "result" in reply) {
      // Every page in this session, joined into one answer (bounded: RPC_PAGE_LIMIT).
      const pages = new PageCollector(step.pages, step.method);
      try {
        for (let params = pages.add(reply.result, step.params); params; ) {
          const more = await post(step, params);
          if ("failed" in more) return more.failed;
          reply = more.reply!;
          if (!("result" in reply)) break;
          params = pages.add(reply.result, params);
        }
      } catch (error) {
        if (!KiwiError.isInstance(error)) throw error;
        return {
          success: false,
          status_code: sent.status,
          responses,
          error: { ...error.toJSON(), step: step.method },
        };
      }
      if ("result" in reply) reply = { ...reply, result: pages.result() };
    }
    // A pinned answer gates the steps after it; the caller gets the verdict, not the answer.
    responses.push(
      "pin" in step && step.pin && "result" in reply
        ? { jsonrpc: "2.0", id: reply.id, result: { pinned_sha256: step.pin.sha256 } }
        : reply,
    );
    if ("error" in reply && reply.error) {
      return {
        success: false,
        status_code: sent.status,
        responses,
        error: {
          code: "JSONRPC_ERROR",
          message: `${step.method}: ${reply.error.message}`,
          jsonrpc_code: reply.error.code,
          retryable: false,
        },
      };
    }
    const broken = step.pin && "result" in reply ? await checkRpcPin(reply.result, step.pin) : undefined;
    if (broken) {
      // A pinned answer changed: nothing after this step is sent.
      return {
        success: false,
        status_code: sent.status,
        responses,
        error: { ...broken, step: step.method },
      };
    }
  }
  return { success: true, status_code: 200, responses };
}
