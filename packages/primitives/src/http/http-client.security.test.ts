import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { recordingSink, runHttp } from "./test-support/call";
import { loopbackServers, sseHead } from "./test-support/loopback-server";

const CANARY = "sk-canary-7f3a9b1c";
const serve = loopbackServers();

function drainOrClose(res: import("node:http").ServerResponse) {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

const ok = (_req: unknown, res: import("node:http").ServerResponse) =>
  void res.writeHead(200, { "content-type": "text/plain" }).end("ok");

describe("http_client refuses header and URL injection before sending (E6)", () => {
  it.each([
    ["CRLF in a header", { headers: { "x-user": "abc\r\nX-Evil: 1" } }],
    ["LF in a header", { headers: { "x-user": "abc\nX-Evil: 1" } }],
    ["NUL in a header", { headers: { "x-user": "a\u0000b" } }],
    ["100 KiB header", { headers: { "x-user": "a".repeat(100 * 1024) } }],
    ["CRLF in a bearer token", { auth: { type: "bearer", token: `${CANARY}\r\nX-Evil: 1` } }],
    ["CRLF in an auth header", { auth: { type: "header", name: "x-api-key", value: `${CANARY}\r\n` } }],
    ["CR in basic password", { auth: { type: "basic", username: "u", password: `${CANARY}\r` } }],
    ["CRLF in the url", { path: "/a\r\nX-Evil: 1" }],
    ["tab in the url", { path: "/a\tb" }],
  ])("%s → TEMPLATE_ENCODING, nothing sent, no secret in the error", async (_name, extra) => {
    const s = await serve(ok);
    const { path, ...rest } = extra as { path?: string };
    const r = await runHttp({ url: `${s.origin}${path ?? "/"}`, ...rest });
    expect(r).toMatchObject({ success: false, attempts: 0, error: { code: "TEMPLATE_ENCODING" } });
    expect(s.requests).toHaveLength(0);
    expect(JSON.stringify(r)).not.toContain(CANARY);
  });

  it("refuses credentials inside the URL and invalid header names", async () => {
    const s = await serve(ok);
    const url = new URL(s.origin);
    url.username = "u";
    url.password = CANARY;
    const r = await runHttp({ url: url.href });
    expect(r).toMatchObject({ error: { code: "INVALID_INPUT", field: "config.url" } });
    expect(await runHttp({ url: s.origin, headers: { "bad header": "x" } })).toMatchObject({
      error: { code: "INVALID_INPUT" },
    });
    expect(s.requests).toHaveLength(0);
  });
});

describe("http_client refuses framing and connection headers (request smuggling)", () => {
  it.each([
    ["transfer-encoding", "chunked"],
    ["Content-Length", "5"],
    ["connection", "upgrade"],
    ["keep-alive", "timeout=1"],
    ["upgrade", "websocket"],
    ["expect", "100-continue"],
  ])("%s → INVALID_INPUT, nothing sent", async (name, value) => {
    const s = await serve(ok);
    const r = await runHttp({ url: s.origin, method: "POST", body: "hello", headers: { [name]: value } });
    expect(r).toMatchObject({
      success: false,
      attempts: 0,
      error: { code: "INVALID_INPUT", field: `config.headers.${name}` },
    });
    expect(s.requests).toHaveLength(0);
  });
});

describe("http_client never follows a redirect with a secret (E10)", () => {
  async function twoServers(status = 307) {
    const target = await serve(ok);
    const first = await serve(
      (_req, res) => void res.writeHead(status, { location: `${target.origin}/steal` }).end(),
    );
    return { first, target };
  }

  it.each([
    ["auth bearer", { auth: { type: "bearer", token: CANARY } }],
    ["auth header", { auth: { type: "header", name: "x-api-key", value: CANARY } }],
    ["carries_secret in the config", { headers: { "x-api-key": CANARY }, carries_secret: true }],
    ["the call's carriesSecret flag", { headers: { "x-api-key": CANARY } }, true],
  ])(
    "%s + 307 to another loopback server → HTTP_REDIRECT_BLOCKED, target receives nothing",
    async (_n, extra, carriesSecret?: boolean) => {
      const { first, target } = await twoServers();
      for (const mode of ["sync", "stream"]) {
        const config = {
          url: first.origin,
          mode,
          ...extra,
          retry: { max_attempts: 3, retryable_errors: ["HTTP_ERROR", "CONNECTION_RESET"] },
        };
        const r = await runHttp(config, { carriesSecret });
        expect(r).toMatchObject({
          success: false,
          attempts: 1,
          error: { code: "HTTP_REDIRECT_BLOCKED", status: 307 },
        });
        expect(JSON.stringify(r)).not.toContain(CANARY);
      }
      expect(first.requests).toHaveLength(2);
      expect(target.requests).toHaveLength(0);
    },
  );

  it("blocks even a same-origin redirect for a secret-bearing request", async () => {
    const s = await serve((req, res) =>
      req.url === "/a" ? void res.writeHead(302, { location: "/b" }).end() : ok(req, res),
    );
    const r = await runHttp({ url: `${s.origin}/a`, auth: { type: "bearer", token: CANARY } });
    expect(r).toMatchObject({ error: { code: "HTTP_REDIRECT_BLOCKED" } });
    expect(s.requests.map((q) => q.url)).toEqual(["/a"]);
  });

  it.each([301, 302, 303, 307, 308])("blocks a cross-origin %i even without secrets", async (status) => {
    const { first, target } = await twoServers(status);
    expect(await runHttp({ url: first.origin })).toMatchObject({ error: { code: "HTTP_REDIRECT_BLOCKED" } });
    expect(target.requests).toHaveLength(0);
  });

  it("stops after 5 same-origin redirects", async () => {
    const s = await serve((_req, res) => void res.writeHead(302, { location: "/again" }).end());
    expect(await runHttp({ url: s.origin })).toMatchObject({ error: { code: "HTTP_REDIRECT_BLOCKED" } });
    expect(s.requests).toHaveLength(6);
  });
});

describe("http_client bounds hostile responses", () => {
  it("stops a gzip bomb at max_response_bytes (counted after decompression)", async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const s = await serve(
      (_req, res) =>
        void res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" }).end(bomb),
    );
    const r = await runHttp({ url: s.origin, max_response_bytes: 1024 * 1024 });
    expect(r).toMatchObject({ success: false, error: { code: "RESPONSE_TOO_LARGE" } });
  });

  it("cuts a 10 MiB SSE line at max_line_bytes and drops the connection (ST1)", async () => {
    let written = 0;
    let closedEarly = false;
    const s = await serve(async (_req, res) => {
      sseHead(res);
      res.on("close", () => {
        closedEarly = written < 10 * 1024 * 1024;
      });
      const piece = Buffer.from(`data: ${"x".repeat(64 * 1024 - 6)}`);
      while (written < 10 * 1024 * 1024 && !res.destroyed) {
        written += piece.length;
        if (!res.write(piece)) await drainOrClose(res);
      }
      res.end();
    });
    const sink = recordingSink("a");
    const r = await runHttp(
      { url: s.origin, mode: "stream", stream: { max_line_bytes: 1024 * 1024 } },
      { sinks: [sink] },
    );
    expect(r).toMatchObject({
      success: false,
      error: { code: "STREAM_LINE_TOO_LONG", limit_bytes: 1024 * 1024 },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(true);
    expect(sink.events).toEqual([]);
  });

  it("refuses an HTML page instead of an event stream (ST15)", async () => {
    const s = await serve(
      (_req, res) => void res.writeHead(200, { "content-type": "text/html" }).end("<html>"),
    );
    const r = await runHttp({ url: s.origin, mode: "stream", retry: { max_attempts: 3 } });
    expect(r).toMatchObject({ success: false, attempts: 1, error: { code: "STREAM_BAD_CONTENT_TYPE" } });
  });

  it("ends endless heartbeats at total_timeout_ms (ST3)", async () => {
    const s = await serve(async (_req, res) => {
      sseHead(res);
      while (!res.destroyed) {
        res.write(": ping\n\n");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    const r = await runHttp({
      url: s.origin,
      mode: "stream",
      stream: { total_timeout_ms: 200, idle_timeout_ms: 10_000 },
    });
    expect(r).toMatchObject({
      success: false,
      stream_events_count: 0,
      error: { code: "STREAM_TOTAL_TIMEOUT" },
    });
  });

  it("refuses an oversized event (ST2)", async () => {
    const s = await serve((_req, res) => {
      sseHead(res);
      res.end(`${"data: abcdefgh\n".repeat(10_000)}\n`);
    });
    const r = await runHttp({ url: s.origin, mode: "stream", stream: { max_event_bytes: 50_000 } });
    expect(r).toMatchObject({
      success: false,
      error: { code: "STREAM_EVENT_TOO_LARGE" },
      stream_events_count: 0,
    });
  });
});
