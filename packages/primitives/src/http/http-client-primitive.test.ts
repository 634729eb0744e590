import { describe, expect, it } from "vitest";
import { runHttp } from "./test-support/call";
import { delay, loopbackServers, startLoopback } from "./test-support/loopback-server";

const serve = loopbackServers();

function json(
  res: import("node:http").ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

/** Records retry waits instead of sleeping. */
function recordedSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("http_client sync mode", () => {
  it("GETs JSON and returns status, parsed body, lower-cased headers and duration", async () => {
    const s = await serve((_req, res) => json(res, 200, { hello: "world" }, { "X-Trace": "abc" }));
    const r = await runHttp({ url: `${s.origin}/items?x=1` });
    expect(r).toMatchObject({ success: true, status_code: 200, body: { hello: "world" }, attempts: 1 });
    expect((r.headers as Record<string, string>)["x-trace"]).toBe("abc");
    expect(typeof r.duration_ms).toBe("number");
    expect(r.error).toBeUndefined();
    expect(s.requests[0]).toMatchObject({ method: "GET", url: "/items?x=1" });
  });

  it("POSTs an object as JSON and a string raw", async () => {
    const s = await serve((_req, res) => json(res, 201, { ok: true }));
    const r = await runHttp({
      method: "post",
      url: s.origin,
      body: { messages: [{ role: "user", content: '"}],"x' }] },
    });
    expect(r).toMatchObject({ success: true, status_code: 201 });
    expect(s.requests[0]!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(s.requests[0]!.body)).toEqual({ messages: [{ role: "user", content: '"}],"x' }] });
    await runHttp({
      method: "PUT",
      url: s.origin,
      body: "raw <text>",
      headers: { "Content-Type": "text/x-raw" },
    });
    expect(s.requests[1]).toMatchObject({ method: "PUT", body: "raw <text>" });
    expect(s.requests[1]!.headers["content-type"]).toBe("text/x-raw");
  });

  it("returns text when the body is not JSON, and a 404 as HTTP_ERROR", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/text") return void res.end("plain words");
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"nope"}');
    });
    expect(await runHttp({ url: `${s.origin}/text` })).toMatchObject({ success: true, body: "plain words" });
    const r = await runHttp({ url: `${s.origin}/missing` });
    expect(r).toMatchObject({
      success: false,
      status_code: 404,
      body: { error: "nope" },
      error: { code: "HTTP_ERROR", status: 404, retryable: false },
    });
  });

  it("sends bearer, basic and header auth", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    await runHttp({ url: s.origin, auth: { type: "bearer", token: "tok-1" } });
    await runHttp({ url: s.origin, auth: { type: "basic", username: "ada", password: "pässword" } });
    await runHttp({ url: s.origin, auth: { type: "header", name: "X-Api-Key", value: "key-2" } });
    expect(s.requests[0]!.headers.authorization).toBe("Bearer tok-1");
    expect(s.requests[1]!.headers.authorization).toBe(
      `Basic ${Buffer.from("ada:pässword").toString("base64")}`,
    );
    expect(s.requests[2]!.headers["x-api-key"]).toBe("key-2");
  });

  it("times out the whole request after timeout_ms", async () => {
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
      await delay(2000);
      res.end();
    });
    const started = Date.now();
    const r = await runHttp({ url: s.origin, timeout_ms: 150 });
    expect(r).toMatchObject({ success: false, error: { code: "TIMEOUT", retryable: true } });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("is cancelled by the caller's signal", async () => {
    const s = await serve(async (_req, res) => {
      await delay(2000);
      res.end();
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const r = await runHttp({ url: s.origin }, { signal: controller.signal });
    expect(r).toMatchObject({ success: false, error: { code: "ABORTED" } });
  });

  it("reports a refused connection as CONNECTION_FAILED", async () => {
    const s = await startLoopback(() => undefined);
    await s.close();
    const r = await runHttp({ url: s.origin });
    expect(r).toMatchObject({
      success: false,
      status_code: 0,
      error: { code: "CONNECTION_FAILED", retryable: true },
    });
  });

  it("retries a reset connection when allowed and succeeds on the second attempt", async () => {
    const s = await serve((req, res, _r, i) =>
      i === 0 ? void req.socket.destroy() : json(res, 200, { n: i }),
    );
    const { waits, sleep } = recordedSleep();
    const r = await runHttp(
      { url: s.origin, retry: { max_attempts: 2, backoff_ms: [25] } },
      { client: { sleep } },
    );
    expect(r).toMatchObject({ success: true, body: { n: 1 }, attempts: 2 });
    expect(s.requests).toHaveLength(2);
    expect(waits).toEqual([25]);
  });

  it("honours Retry-After on 429 and waits at least that long", async () => {
    const s = await serve((_req, res, _r, i) =>
      i === 0 ? json(res, 429, { error: "slow down" }, { "retry-after": "1" }) : json(res, 200, { ok: 1 }),
    );
    const { waits, sleep } = recordedSleep();
    const r = await runHttp(
      { url: s.origin, retry: { max_attempts: 3, backoff_ms: [10], retryable_errors: ["HTTP_429"] } },
      { client: { sleep } },
    );
    expect(r).toMatchObject({ success: true, attempts: 2 });
    expect(waits).toEqual([1000]);
  });

  it("really sleeps between attempts with the default sleep", async () => {
    const s = await serve((_req, res, _r, i) => (i === 0 ? json(res, 503, {}) : json(res, 200, {})));
    const started = Date.now();
    const r = await runHttp({
      url: s.origin,
      retry: { max_attempts: 2, backoff_ms: [120], retryable_errors: ["HTTP_5XX"] },
    });
    expect(r).toMatchObject({ success: true, attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it("does not retry a 503 when retry is not configured, nor a Retry-After beyond 60 s", async () => {
    const s = await serve((_req, res) => json(res, 503, { error: "busy" }, { "retry-after": "3600" }));
    const r = await runHttp({ url: s.origin });
    expect(r).toMatchObject({
      success: false,
      attempts: 1,
      error: { code: "HTTP_ERROR", status: 503, retryable: true },
    });
    expect(s.requests).toHaveLength(1);
    const r2 = await runHttp({ url: s.origin, retry: { max_attempts: 5, retryable_errors: ["HTTP_5XX"] } });
    expect(r2).toMatchObject({ attempts: 1, error: { code: "HTTP_ERROR", retry_after_ms: 3_600_000 } });
    expect(s.requests).toHaveLength(2);
  });

  it("caps the response body at max_response_bytes, with or without content-length", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/declared") return void res.end("x".repeat(5000));
      res.writeHead(200, { "content-type": "text/plain" });
      for (let i = 0; i < 10; i++) res.write("y".repeat(1000));
      res.end();
    });
    for (const path of ["/declared", "/chunked"]) {
      const r = await runHttp({ url: `${s.origin}${path}`, max_response_bytes: 4096 });
      expect(r).toMatchObject({ success: false, error: { code: "RESPONSE_TOO_LARGE", limit_bytes: 4096 } });
    }
  });

  it("follows a same-origin redirect of a request without secrets; 303 turns POST into GET", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/old") return void res.writeHead(303, { location: "/new" }).end();
      json(res, 200, { method: req.method, url: req.url });
    });
    const r = await runHttp({ method: "POST", url: `${s.origin}/old`, body: { a: 1 } });
    expect(r).toMatchObject({ success: true, body: { method: "GET", url: "/new" } });
  });

  it("never calls a 3xx a success", async () => {
    const s = await serve((_req, res) => void res.writeHead(304).end());
    expect(await runHttp({ url: s.origin })).toMatchObject({
      success: false,
      status_code: 304,
      error: { code: "HTTP_ERROR" },
    });
  });

  it("stops waiting between attempts when the caller aborts", async () => {
    const s = await serve((_req, res) => json(res, 503, {}));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const r = await runHttp(
      { url: s.origin, retry: { max_attempts: 3, backoff_ms: [5000], retryable_errors: ["HTTP_5XX"] } },
      { signal: controller.signal },
    );
    expect(r).toMatchObject({ success: false, attempts: 1, error: { code: "ABORTED" } });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.requests).toHaveLength(1);
  });

  it("drops a header whose value is null (a child tool unsetting a parent's header)", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    await runHttp({ url: s.origin, headers: { "x-keep": "1", "x-drop": null } });
    expect(s.requests[0]!.headers["x-keep"]).toBe("1");
    expect(s.requests[0]!.headers["x-drop"]).toBeUndefined();
  });

  it.each([
    [{ url: "ftp://x/y" }, "INVALID_INPUT"],
    [{}, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", mode: "websocket" }, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", method: "TRACE" }, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", body: { a: 1 } }, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", retry: { max_attemps: 3 } }, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", retry: { retryable_errors: ["HTTP_5xx!"] } }, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", timeout_ms: -1 }, "INVALID_INPUT"],
    [{ url: "http://127.0.0.1:1/", auth: { type: "oauth" } }, "INVALID_INPUT"],
  ])("refuses invalid config %j with %s", async (config, code) => {
    const r = await runHttp(config);
    expect(r).toMatchObject({ success: false, attempts: 0, error: { code, field: expect.any(String) } });
  });
});
