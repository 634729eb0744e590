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

/**
 * Starts a scripted fake LLM on loopback that speaks the Anthropic Messages (`POST /v1/messages`) and
 * OpenAI Chat Completions (`POST /v1/chat/completions`) wire formats, streaming or not. Every request
 * is recorded and consumes the next script turn, shared across both endpoints; once the script is used
 * up it answers "(script exhausted)" rather than hang.
 */
export async function createFakeLlmServer(options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  let turns: FakeTurn[] = parseFakeScript(options.script).turns;
  let cursor = 0;
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  const host = options.host ?? "127.0.0.1";

  function nextTurn(): { turn: Readonly<FakeTurn>; index: number | null } {
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
    const { turn, index } = nextTurn();
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
    setScript(script: FakeScript): void {
      turns = parseFakeScript(script).turns;
      cursor = 0;
    },
    async close(): Promise<void> {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
