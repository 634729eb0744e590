import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerAnthropic } from "./answer-anthropic";
import { answerOpenai } from "./answer-openai";
import { anthropicErrorBody } from "./anthropic-wire";
import { openaiErrorBody } from "./openai-wire";
import { parseFakeScript } from "./parse-fake-script";
import { planTurn } from "./plan-turn";
import { BodyTooLargeError, flattenHeaders, parseJsonBody, readBody } from "./read-body";
import { guessProvider, routeRequest } from "./route-request";
import { EXHAUSTED_TURN, type FakeScript, type FakeTurn } from "./script";
import { sendJson } from "./send-json";
import type { FakeLlmServer, FakeLlmServerOptions, RecordedRequest } from "./server-types";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Answers an error in the shape of the API the caller speaks. */
function sendProviderError(
  res: ServerResponse,
  provider: "anthropic" | "openai",
  status: number,
  message: string,
) {
  const body =
    provider === "anthropic" ? anthropicErrorBody(status, message) : openaiErrorBody(status, message);
  sendJson(res, status, body);
}

/** The text of a request's first user message, in either wire format (what script routes match). */
function firstUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const first = messages.find((m) => isRecord(m) && m.role === "user") as { content?: unknown } | undefined;
  const content = first?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b) => (isRecord(b) && typeof b.text === "string" ? b.text : "")).join("");
}

/**
 * Starts a scripted fake LLM on loopback that speaks the Anthropic Messages (`POST /v1/messages`) and
 * OpenAI Chat Completions (`POST /v1/chat/completions`) wire formats, streaming or not. Every request
 * is recorded and consumes the next script turn, shared across both endpoints; once the script is used
 * up it answers "(script exhausted)" rather than hang.
 */
export async function createFakeLlmServer(options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  let script = parseFakeScript(options.script);
  let turns: FakeTurn[] = script.turns;
  let cursor = 0;
  let routeCursors = new Map<number, number>();
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  // Every slow stream in flight listens for the server closing: many concurrent threads are normal here.
  setMaxListeners(0, closing.signal);
  const host = options.host ?? "127.0.0.1";

  function nextTurn(body: Record<string, unknown>): { turn: Readonly<FakeTurn>; index: number | null } {
    if (script.routes?.length) {
      const first = firstUserText(body);
      const r = script.routes.findIndex((route) => first.includes(route.match));
      if (r >= 0) {
        const at = routeCursors.get(r) ?? 0;
        const turn = script.routes[r]!.turns[at];
        if (turn === undefined) return { turn: EXHAUSTED_TURN, index: null };
        routeCursors.set(r, at + 1);
        return { turn, index: at };
      }
    }
    const turn = turns[cursor];
    if (turn === undefined) return { turn: EXHAUSTED_TURN, index: null };
    cursor += 1;
    return { turn, index: cursor - 1 };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const method = req.method ?? "GET";
    const headers = flattenHeaders(req);
    const endpoint = routeRequest(method, url.pathname);
    const provider = endpoint === "unknown" ? guessProvider(url.pathname, headers) : endpoint;
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader("connection", "close");
      return sendProviderError(res, provider, 413, error.message);
    }
    const body = parseJsonBody(rawBody);
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      headers,
      body,
      rawBody,
      endpoint,
      turnIndex: null,
    };
    requests.push(record);
    await options.onRequest?.(record);

    if (endpoint === "unknown") {
      return sendProviderError(res, provider, 404, `Invalid URL (${method} ${url.pathname})`);
    }
    if (!isRecord(body)) {
      return sendProviderError(res, provider, 400, "request body must be a JSON object");
    }
    const { turn, index } = nextTurn(body);
    record.turnIndex = index;
    const planned = planTurn(turn, body.model);
    const answer = endpoint === "anthropic" ? answerAnthropic : answerOpenai;
    await answer({ res, turn: planned, body, signal: closing.signal });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A throwing onRequest hook or a broken socket: answer 500 when still possible, never crash.
      if (res.headersSent || res.destroyed) return void res.destroy();
      const provider = guessProvider(req.url ?? "/", flattenHeaders(req));
      const message = `fake LLM server failed: ${error instanceof Error ? error.message : String(error)}`;
      sendProviderError(res, provider, 500, message);
    });
  });
  // Clients that vanish mid-request must not bring the server down.
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    anthropicBaseUrl: url,
    openaiBaseUrl: `${url}/v1`,
    requests,
    remaining: () => Math.max(0, turns.length - cursor),
    setScript(next: FakeScript): void {
      script = parseFakeScript(next);
      turns = script.turns;
      cursor = 0;
      routeCursors = new Map();
    },
    async close(): Promise<void> {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
