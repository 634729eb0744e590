// Test support, not shipped: a scripted Tinychat server on loopback. Each request gets the next scripted
// turn as a real SSE stream (text in pieces, tool-call arguments as partial JSON), so the whole path runs:
// kernel → tinychat_thread → tinychat_generate → http_client → this server → sinks → the stream parser.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { TinychatFinishReason, TinychatUsage } from "../tinychat-wire";

export interface ScriptedTurn {
  readonly text?: string;
  readonly calls?: readonly { id: string; tool: string; input: Record<string, unknown> }[];
  readonly reason?: TinychatFinishReason;
  readonly usage?: TinychatUsage;
}

export interface RecordedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Splits text into `n` roughly equal pieces (a streamed response arrives in pieces). */
function pieces(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function eventsOf(turn: ScriptedTurn, n: number): string[] {
  const out = [sse("start", { id: `gen_${n}`, model: "tiny-1" })];
  for (const delta of pieces(turn.text ?? "", 2)) out.push(sse("text", { delta }));
  (turn.calls ?? []).forEach((call, index) => {
    out.push(sse("call_begin", { index, call_id: call.id, tool: call.tool }));
    for (const delta of pieces(JSON.stringify(call.input), 3)) out.push(sse("call_input", { index, delta }));
    out.push(sse("call_end", { index }));
  });
  const reason = turn.reason ?? (turn.calls?.length ? "calls" : "stop");
  out.push(sse("finish", { reason, usage: turn.usage ?? { prompt: 100, completion: 10, cached: 0 } }));
  return out;
}

export async function startTinychatServer(options: { apiKey: string; turns: readonly ScriptedTurn[] }) {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/generate") {
      res.writeHead(404).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"bad key"}');
      return;
    }
    requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
    const turn = options.turns[requests.length - 1];
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (!turn) {
      res.end(sse("error", { kind: "script_exhausted", message: "no scripted turn left" }));
      return;
    }
    for (const event of eventsOf(turn, requests.length)) res.write(event);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
