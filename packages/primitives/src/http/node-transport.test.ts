import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, createGzip, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import type { HttpClientOptions } from "./http-client-primitive";
import { classifyNetworkError } from "./http-failure";
import { createNodeTransport } from "./node-transport";
import { recordingSink, runHttp } from "./test-support/call";
import { delay, loopbackServers, sseHead } from "./test-support/loopback-server";

const serve = loopbackServers();

const frame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const stream = (url: string, extra: Record<string, unknown> = {}) => ({ url, mode: "stream", ...extra });

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// The default transport (node:http) and the fetch one a caller can inject must fail the same way.
const TRANSPORTS: Array<[string, HttpClientOptions | undefined]> = [
  ["node:http (default)", undefined],
  ["injected fetch", { fetch: (input, init) => fetch(input, init) }],
];

describe.each(TRANSPORTS)("network failures map to the same codes: %s", (_name, client) => {
  it("a refused port is CONNECTION_FAILED", async () => {
    const r = await runHttp({ url: `http://127.0.0.1:${await closedPort()}/` }, { client });
    expect(r).toMatchObject({ success: false, status_code: 0, error: { code: "CONNECTION_FAILED" } });
  });

  it("a connection dropped before the response is CONNECTION_RESET", async () => {
    const s = await serve((_req, res) => void res.socket?.destroy());
    const r = await runHttp({ url: s.origin }, { client });
    expect(r).toMatchObject({ success: false, status_code: 0, error: { code: "CONNECTION_RESET" } });
  });

  it("a connection dropped in the middle of a sync body is CONNECTION_RESET", async () => {
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
      res.write("only ten b");
      await delay(20);
      res.socket?.destroy();
    });
    const r = await runHttp({ url: s.origin }, { client });
    expect(r).toMatchObject({ success: false, error: { code: "CONNECTION_RESET" } });
  });

  it("a stream dropped after two events is STREAM_INCOMPLETE (CONNECTION_RESET), before any event CONNECTION_RESET", async () => {
    const s = await serve(async (_req, res, _rec, i) => {
      sseHead(res);
      if (i === 0) res.write(frame({ n: 1 }) + frame({ n: 2 }));
      await delay(30);
      res.socket?.destroy();
    });
    const sink = recordingSink("a");
    const after = await runHttp(stream(s.origin), { client, sinks: [sink] });
    expect(after).toMatchObject({
      success: false,
      stream_events_count: 2,
      error: { code: "STREAM_INCOMPLETE", reason: "CONNECTION_RESET", events_delivered: 2 },
    });
    const before = await runHttp(stream(s.origin), { client });
    expect(before).toMatchObject({
      success: false,
      stream_events_count: 0,
      error: { code: "CONNECTION_RESET", stream_phase: true },
    });
  });

  it("a server that never answers is TIMEOUT (sync) or STREAM_TOTAL_TIMEOUT (stream)", async () => {
    const s = await serve(() => new Promise<void>(() => {}));
    const sync = await runHttp({ url: s.origin, timeout_ms: 150 }, { client });
    expect(sync).toMatchObject({ success: false, status_code: 0, error: { code: "TIMEOUT" } });
    const streamed = await runHttp(stream(s.origin, { stream: { total_timeout_ms: 150 } }), { client });
    expect(streamed).toMatchObject({
      success: false,
      status_code: 0,
      error: { code: "STREAM_TOTAL_TIMEOUT" },
    });
  });

  it("a self-signed https server is TLS_ERROR (https goes through the same path)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiwi-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
          ...[
            "-keyout",
            join(dir, "key.pem"),
            "-out",
            join(dir, "cert.pem"),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
          ],
        ],
        { stdio: "ignore" },
      );
      const server = createHttpsServer(
        { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
        (_req, res) => res.end("secret"),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const r = await runHttp({ url: `https://127.0.0.1:${port}/` }, { client });
        expect(r).toMatchObject({ success: false, status_code: 0, error: { code: "TLS_ERROR" } });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sends the same default request headers", async () => {
    const s = await serve((_req, res) => void res.end("ok"));
    await runHttp({ url: s.origin, method: "POST", body: "héllo" }, { client });
    await runHttp({ url: s.origin, method: "POST" }, { client });
    const [text, empty] = s.requests;
    expect(text!.headers).toMatchObject({
      "content-type": "text/plain;charset=UTF-8",
      "content-length": "6",
      accept: "*/*",
      "user-agent": "node",
    });
    expect(text!.headers["accept-encoding"]).toMatch(/^gzip, deflate/);
    expect(text!.body).toBe("héllo");
    expect(empty!.headers["content-length"]).toBe("0");
    expect(empty!.headers["transfer-encoding"]).toBeUndefined();
  });

  it("decodes gzip, deflate (zlib and raw) and br bodies", async () => {
    const value = { text: "Kiwi ".repeat(500) };
    const raw = Buffer.from(JSON.stringify(value));
    const encoded: Record<string, Buffer> = {
      gzip: gzipSync(raw),
      deflate: deflateSync(raw),
      "deflate-raw": deflateRawSync(raw),
      br: brotliCompressSync(raw),
    };
    const s = await serve((req, res) => {
      const coding = req.url!.slice(1);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-encoding": coding === "deflate-raw" ? "deflate" : coding,
      });
      res.end(encoded[coding]);
    });
    for (const coding of Object.keys(encoded)) {
      const r = await runHttp({ url: `${s.origin}/${coding}` }, { client });
      expect(r, coding).toMatchObject({ success: true, body: value });
    }
  });

  it("counts stream.max_total_bytes after decompression", async () => {
    const events = Array.from({ length: 200 }, (_, i) => frame({ i, pad: "x".repeat(100) })).join("");
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" });
      res.end(gzipSync(events));
    });
    expect(gzipSync(events).length).toBeLessThan(5000);
    const r = await runHttp(stream(s.origin, { stream: { max_total_bytes: 5000 } }), { client });
    expect(r).toMatchObject({ success: false, error: { code: "STREAM_TOO_LARGE", limit_bytes: 5000 } });
  });
});

/** A port whose accept queue is full (a python3 listener with backlog 0 that never accepts): SYNs go unanswered. */
async function fullAcceptQueue(): Promise<{ port: number; stop: () => void } | undefined> {
  const script = [
    "import socket, sys, time",
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    "c = socket.socket(); c.connect(s.getsockname())",
    "print(s.getsockname()[1], flush=True); time.sleep(30)",
  ].join("\n");
  return new Promise((resolve) => {
    const child = spawn("python3", ["-c", script], { stdio: ["ignore", "pipe", "ignore"] });
    child.on("error", () => resolve(undefined));
    child.stdout.once("data", (line: Buffer) =>
      resolve({ port: Number(line.toString().trim()), stop: () => child.kill() }),
    );
  });
}

describe("node:http transport", () => {
  it("gives up on a connection that does not open within the connect timeout: TIMEOUT, as fetch did", async (ctx) => {
    const listener = await fullAcceptQueue();
    if (!listener) {
      // Every development machine and CI run has python3: there, its absence is a failure, not a skip.
      if (process.env.CI) throw new Error("python3 is needed for the connect-timeout test and was not found");
      ctx.skip("no python3 here to hold a full accept queue");
      return;
    }
    try {
      const transport = createNodeTransport({ connectTimeoutMs: 200 });
      const started = Date.now();
      const sent = transport(new URL(`http://127.0.0.1:${listener.port}/`), {
        method: "GET",
        headers: {},
        body: undefined,
        signal: new AbortController().signal,
      });
      const error = await sent.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "ECONNECT_TIMEOUT" });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(classifyNetworkError(error, "http://x").code).toBe("TIMEOUT");
    } finally {
      listener.stop();
    }
  });

  it("asks for gzip, deflate and br", async () => {
    const s = await serve((_req, res) => void res.end("ok"));
    await runHttp({ url: s.origin });
    expect(s.requests[0]!.headers["accept-encoding"]).toBe("gzip, deflate, br");
  });

  it("delivers each gzip-flushed SSE event as it arrives, not at the end of the stream", async () => {
    let firstSeen: () => void = () => {};
    const seen = new Promise<void>((resolve) => {
      firstSeen = resolve;
    });
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" });
      const gzip = createGzip();
      gzip.pipe(res);
      gzip.write(frame({ n: 1 }));
      gzip.flush(constants.Z_SYNC_FLUSH);
      await seen; // the client decoded event 1 while the gzip stream is still open
      gzip.end(frame({ n: 2 }));
    });
    const events: SinkEvent[] = [];
    const sink = {
      ...recordingSink("a"),
      write: (e: SinkEvent) => {
        events.push(e);
        firstSeen();
      },
    };
    const r = await runHttp(stream(s.origin, { stream: { total_timeout_ms: 5000 } }), { sinks: [sink] });
    expect(r).toMatchObject({ success: true, stream_events_count: 2 });
    expect(events.map((e) => JSON.parse(e.data).n)).toEqual([1, 2]);
  });

  it("refuses a content-encoding it cannot decode with PARSE_UNSUPPORTED", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "zstd" });
      res.end("not really zstd");
    });
    const r = await runHttp({ url: s.origin });
    expect(r).toMatchObject({
      success: false,
      status_code: 0,
      error: { code: "PARSE_UNSUPPORTED", content_encoding: "zstd" },
    });
  });

  it("fails a corrupt gzip body instead of returning garbage", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
      res.end(Buffer.from("definitely not gzip"));
    });
    const r = await runHttp({ url: s.origin });
    expect(r).toMatchObject({ success: false, error: { code: "CONNECTION_RESET" } });
  });

  it("reuses one kept-alive connection across calls of a primitive", async () => {
    const s = await serve((_req, res) => void res.end("ok"));
    const { createHttpClientPrimitive } = await import("./node-http-client-primitive");
    const http = createHttpClientPrimitive();
    const context = { projectRoot: "/nonexistent", toolId: "t", chain: ["t", "http_client"], meta: {} };
    for (let i = 0; i < 3; i++) {
      const r = await http.run({
        config: { url: s.origin, method: "POST", body: { i } },
        params: {},
        context,
      });
      expect(r).toMatchObject({ success: true, body: "ok" });
    }
    expect(s.requests).toHaveLength(3);
    expect(s.connections).toBe(1);
  });

  it("destroys a connection whose body was not read to its end, and the next call still works", async () => {
    const s = await serve(async (req, res) => {
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "text/plain" });
        for (let i = 0; i < 50 && !res.destroyed; i++) {
          res.write("x".repeat(4096));
          await delay(2);
        }
        res.end();
      } else res.end("small");
    });
    const { createHttpClientPrimitive } = await import("./node-http-client-primitive");
    const http = createHttpClientPrimitive();
    const context = { projectRoot: "/nonexistent", toolId: "t", chain: ["t", "http_client"], meta: {} };
    const big = await http.run({
      config: { url: `${s.origin}/big`, max_response_bytes: 10_000 },
      params: {},
      context,
    });
    expect(big).toMatchObject({ success: false, error: { code: "RESPONSE_TOO_LARGE" } });
    const small = await http.run({ config: { url: `${s.origin}/small` }, params: {}, context });
    expect(small).toMatchObject({ success: true, body: "small" });
    expect(s.connections).toBe(2);
  });

  it("lets a process exit while its kept-alive socket is idle and the server keeps it open", async () => {
    const s = await serve((_req, res) => void res.end("ok"));
    const child = join(dirname(fileURLToPath(import.meta.url)), "test-support", "keep-alive-child.ts");
    const { stdout, exitedAt } = await new Promise<{ stdout: string; exitedAt: number }>(
      (resolve, reject) => {
        execFile(process.execPath, ["--import", "tsx", child, s.origin], { timeout: 20_000 }, (error, out) =>
          error ? reject(error) : resolve({ stdout: out, exitedAt: Date.now() }),
        );
      },
    );
    const done = JSON.parse(stdout.trim()) as { status: number; at: number };
    expect(done.status).toBe(200);
    expect(s.connections).toBe(1);
    // Well before the agent's 4 s idle-socket timeout: the idle socket did not hold the process.
    expect(exitedAt - done.at).toBeLessThan(2000);
  });
});
