import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { recordingSink, runHttp } from "./test-support/call";
import { delay, loopbackServers, sseHead } from "./test-support/loopback-server";

const serve = loopbackServers();

const frame = (data: unknown, event?: string, id?: string) =>
  `${event ? `event: ${event}\n` : ""}${id ? `id: ${id}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

const THREE = [
  frame({ n: 1 }, "start", "1"),
  frame("two\nlines".replace("\n", "\ndata: ")),
  frame({ n: 3 }, "stop"),
];

function sse(body: string) {
  return (_req: unknown, res: ServerResponse) => {
    sseHead(res);
    res.end(body);
  };
}

const stream = (url: string, extra: Record<string, unknown> = {}) => ({ url, mode: "stream", ...extra });

describe("http_client stream mode (SSE)", () => {
  it("writes events in order to every sink and the return body, flushes but does not close sinks", async () => {
    const s = await serve(sse(`: hello\n\n${THREE.join(": ping\n\n")}`));
    const a = recordingSink("a");
    const b = recordingSink("b", { async: true });
    const r = await runHttp(stream(s.origin), { sinks: [a, b] });
    const expected = [
      { event: "start", data: '{"n":1}', id: "1" },
      { event: "message", data: "two\nlines" },
      { event: "stop", data: '{"n":3}' },
    ];
    expect(a.events).toEqual(expected);
    expect(b.events).toEqual(expected);
    expect(r).toMatchObject({
      success: true,
      status_code: 200,
      stream_events_count: 3,
      stream_destinations: ["return", "a", "b"],
      sink_errors: [],
      body: [
        { event: "start", data: { n: 1 }, id: "1" },
        { event: "message", data: "two\nlines" },
        { event: "stop", data: { n: 3 } },
      ],
    });
    expect([a.flushed, b.flushed, a.closed, b.closed]).toEqual([1, 1, 0, 0]);
  });

  it("survives a server writing byte by byte", async () => {
    const body = Buffer.from(`\uFEFF${THREE.join("")}event: ü\r\ndata: 日本 🎉\r\n\r\n`);
    const s = await serve(async (_req, res) => {
      sseHead(res);
      for (const byte of body) {
        res.write(Uint8Array.of(byte));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const a = recordingSink("a");
    const r = await runHttp(stream(s.origin), { sinks: [a] });
    expect(r).toMatchObject({ success: true, stream_events_count: 4 });
    expect(a.events.map((e) => e.data)).toEqual(['{"n":1}', "two\nlines", '{"n":3}', "日本 🎉"]);
    expect(a.events[3]!.event).toBe("ü");
  });

  it("returns STREAM_INCOMPLETE with the 3 events when dropped mid-event, and does not retry", async () => {
    const s = await serve(async (req, res) => {
      sseHead(res);
      res.write(`${THREE.join("")}event: x\ndata: {"half":`);
      await delay(30);
      req.socket.destroy();
    });
    const a = recordingSink("a");
    const retry = {
      max_attempts: 3,
      backoff_ms: [0],
      retryable_errors: ["STREAM_INCOMPLETE", "CONNECTION_RESET", "TIMEOUT"],
    };
    const r = await runHttp(stream(s.origin, { retry }), { sinks: [a] });
    expect(r).toMatchObject({
      success: false,
      attempts: 1,
      stream_events_count: 3,
      error: { code: "STREAM_INCOMPLETE", reason: "CONNECTION_RESET", events_delivered: 3 },
    });
    expect((r.body as unknown[]).length).toBe(3);
    expect(a.events).toHaveLength(3);
    expect(s.requests).toHaveLength(1);
  });

  it("reports a clean close in the middle of an event as STREAM_INCOMPLETE", async () => {
    const s = await serve(sse(`${THREE.join("")}data: never finished\n`));
    const r = await runHttp(
      stream(s.origin, { retry: { max_attempts: 2, retryable_errors: ["STREAM_INCOMPLETE"] } }),
    );
    expect(r).toMatchObject({
      attempts: 1,
      stream_events_count: 3,
      error: { code: "STREAM_INCOMPLETE", reason: "STREAM_ENDED_MID_EVENT" },
    });
  });

  it("retries a drop before any event and then succeeds, delivering each event once", async () => {
    const s = await serve(async (req, res, _r, i) => {
      sseHead(res);
      if (i === 0) {
        res.write(": warming up\n\ndata: half");
        await delay(20);
        return void req.socket.destroy();
      }
      res.end(THREE.join(""));
    });
    const a = recordingSink("a");
    const waits: number[] = [];
    const r = await runHttp(
      stream(s.origin, {
        retry: { max_attempts: 2, backoff_ms: [5], retryable_errors: ["STREAM_INCOMPLETE"] },
      }),
      {
        sinks: [a],
        client: { sleep: async (ms) => void waits.push(ms) },
      },
    );
    expect(r).toMatchObject({ success: true, attempts: 2, stream_events_count: 3 });
    expect(a.events).toHaveLength(3);
    expect(s.requests).toHaveLength(2);
    expect(waits).toEqual([5]);
  });

  it("times out on idle even while `: ping` comments arrive every 50 ms", async () => {
    const s = await serve(async (_req, res) => {
      sseHead(res);
      res.write(frame({ n: 1 }));
      while (!res.destroyed) {
        res.write(": ping\n\n");
        await delay(50);
      }
    });
    const started = Date.now();
    const r = await runHttp(stream(s.origin, { stream: { idle_timeout_ms: 300 } }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(r).toMatchObject({
      success: false,
      stream_events_count: 1,
      error: { code: "STREAM_INCOMPLETE", reason: "STREAM_IDLE_TIMEOUT" },
    });
  });

  it("gives STREAM_IDLE_TIMEOUT when headers arrive and then only pings, and retries it as a timeout", async () => {
    const s = await serve(async (_req, res) => {
      sseHead(res);
      while (!res.destroyed) {
        res.write(": ping\n\n");
        await delay(40);
      }
    });
    const r = await runHttp(
      stream(s.origin, { stream: { idle_timeout_ms: 150 }, retry: { max_attempts: 2, backoff_ms: [0] } }),
    );
    expect(r).toMatchObject({
      success: false,
      attempts: 2,
      stream_events_count: 0,
      error: { code: "STREAM_IDLE_TIMEOUT" },
    });
    expect(s.requests).toHaveLength(2);
  });

  it("stops a stream that outlives total_timeout_ms", async () => {
    const s = await serve(async (_req, res) => {
      sseHead(res);
      for (let i = 0; !res.destroyed; i++) {
        res.write(frame({ i }));
        await delay(30);
      }
    });
    const started = Date.now();
    const r = await runHttp(stream(s.origin, { stream: { total_timeout_ms: 250 } }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r).toMatchObject({
      success: false,
      error: { code: "STREAM_INCOMPLETE", reason: "STREAM_TOTAL_TIMEOUT" },
    });
    expect(r.stream_events_count).toBeGreaterThan(2);
    expect((r.body as unknown[]).length).toBe(r.stream_events_count);
  });

  it("fails STREAM_BUFFER_FULL beyond max_buffer_size; other sinks still get every event", async () => {
    const many = Array.from({ length: 50 }, (_, i) => frame({ i })).join("");
    const s = await serve(sse(many));
    const alone = await runHttp(stream(s.origin, { stream: { max_buffer_size: 10 } }));
    expect(alone).toMatchObject({
      success: false,
      error: { code: "STREAM_BUFFER_FULL", max_buffer_size: 10 },
    });
    expect((alone.body as unknown[]).length).toBe(10);
    const a = recordingSink("a");
    const withSink = await runHttp(stream(s.origin, { stream: { max_buffer_size: 10 } }), { sinks: [a] });
    expect(withSink).toMatchObject({
      success: false,
      stream_events_count: 50,
      error: { code: "STREAM_BUFFER_FULL" },
    });
    expect((withSink.body as unknown[]).length).toBe(10);
    expect(a.events).toHaveLength(50);
  });

  it("without a return destination, a stream longer than max_buffer_size completes (the thread path)", async () => {
    const many = Array.from({ length: 50 }, (_, i) => frame({ i })).join("");
    const s = await serve(sse(many));
    const parser = recordingSink("harness_state");
    const record = recordingSink("file_sink", { async: true });
    const config = stream(s.origin, {
      stream: { max_buffer_size: 10, destinations: [{ type: "file_sink", path: "x.jsonl" }] },
    });
    const r = await runHttp(config, { sinks: [parser, record] });
    expect(r).toMatchObject({
      success: true,
      body: null,
      stream_events_count: 50,
      stream_destinations: ["harness_state", "file_sink"],
      sink_errors: [],
    });
    expect(parser.events).toHaveLength(50);
    expect(record.events).toHaveLength(50);
  });

  it("takes sinks only from the call: a sink smuggled in meta.__sinks receives nothing", async () => {
    const s = await serve(sse(THREE.join("")));
    const smuggled = recordingSink("smuggled");
    const r = await runHttp(stream(s.origin), { meta: { __sinks: [smuggled] } });
    expect(r).toMatchObject({ success: true, stream_events_count: 3, stream_destinations: ["return"] });
    expect(smuggled.events).toHaveLength(0);
  });

  it("isolates a sink that throws on every write", async () => {
    const s = await serve(sse(THREE.join("")));
    const bad = recordingSink("bad", { failEvery: true });
    const good = recordingSink("good");
    const r = await runHttp(stream(s.origin), { sinks: [bad, good] });
    expect(r).toMatchObject({
      success: true,
      stream_events_count: 3,
      sink_errors: [{ sink: "bad", phase: "write", message: "bad is broken", events_written: 0 }],
    });
    expect(good.events).toHaveLength(3);
  });

  it("returns ABORTED with the events so far when the caller aborts mid-stream", async () => {
    const s = await serve(async (_req, res) => {
      sseHead(res);
      res.write(THREE.slice(0, 2).join(""));
      await delay(5000);
      res.end();
    });
    const controller = new AbortController();
    const a = recordingSink("a", { async: true });
    setTimeout(() => controller.abort(), 150);
    const r = await runHttp(stream(s.origin, { retry: { max_attempts: 3 } }), {
      sinks: [a],
      signal: controller.signal,
    });
    expect(r).toMatchObject({
      success: false,
      attempts: 1,
      stream_events_count: 2,
      error: { code: "ABORTED" },
    });
    expect((r.body as unknown[]).length).toBe(2);
    expect(a.events).toHaveLength(2);
  });

  it("aborts the fetch only when something is left in flight: not after a stream read to its end", async () => {
    const s = await serve(sse(THREE.join("")));
    const signals: AbortSignal[] = [];
    const client = {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        signals.push(init!.signal!);
        return fetch(input, init);
      },
    };
    expect(await runHttp(stream(s.origin), { client })).toMatchObject({ success: true });
    expect(signals[0]!.aborted).toBe(false);
    const capped = await runHttp(stream(s.origin, { stream: { max_total_bytes: 10 } }), { client });
    expect(capped).toMatchObject({ success: false, error: { code: "STREAM_TOO_LARGE" } });
    expect(signals[1]!.aborted).toBe(true);
  });

  it("asks for text/event-stream and caps the total bytes of a stream", async () => {
    const many = Array.from({ length: 200 }, (_, i) => frame({ i })).join("");
    const s = await serve(sse(many));
    const r = await runHttp(stream(s.origin, { stream: { max_total_bytes: 1000 } }));
    expect(r).toMatchObject({ success: false, error: { code: "STREAM_TOO_LARGE", limit_bytes: 1000 } });
    expect(s.requests[0]!.headers.accept).toBe("text/event-stream");
  });

  it("does not count time spent waiting for a slow sink as server idleness", async () => {
    const s = await serve(sse(THREE.join("")));
    const slow = {
      ...recordingSink("slow"),
      write: () => new Promise<void>((resolve) => setTimeout(resolve, 150)),
    };
    const r = await runHttp(stream(s.origin, { stream: { idle_timeout_ms: 100 } }), { sinks: [slow] });
    expect(r).toMatchObject({ success: true, stream_events_count: 3 });
  });

  it("returns nothing when return is off or destinations do not list it", async () => {
    const s = await serve(sse(THREE.join("")));
    const off = await runHttp(stream(s.origin, { stream: { return: false } }), {
      sinks: [recordingSink("a")],
    });
    expect(off).toMatchObject({
      success: true,
      body: null,
      stream_destinations: ["a"],
      stream_events_count: 3,
    });
    const fileOnly = await runHttp(stream(s.origin, { stream: { destinations: [{ type: "file_sink" }] } }), {
      sinks: [recordingSink("file_sink")],
    });
    expect(fileOnly).toMatchObject({ body: null, stream_destinations: ["file_sink"] });
    const listed = await runHttp(
      stream(s.origin, { stream: { destinations: [{ type: "return" }, { type: "x" }] } }),
      { sinks: [recordingSink("x")] },
    );
    expect(listed).toMatchObject({ stream_destinations: ["return", "x"] });
    expect((listed.body as unknown[]).length).toBe(3);
  });

  it("reports an HTTP error status with its body and retries 429 before any event", async () => {
    const s = await serve((_req, res, _r, i) => {
      if (i === 0)
        return void res
          .writeHead(429, { "content-type": "application/json", "retry-after": "0" })
          .end('{"type":"error"}');
      if (i === 1)
        return void res
          .writeHead(529, { "content-type": "application/json" })
          .end('{"error":{"type":"overloaded_error"}}');
      sse(THREE.join(""))(_req, res);
    });
    const r = await runHttp(
      stream(s.origin, { retry: { max_attempts: 2, backoff_ms: [0], retryable_errors: ["HTTP_429"] } }),
    );
    expect(r).toMatchObject({
      success: false,
      attempts: 2,
      status_code: 529,
      body: { error: { type: "overloaded_error" } },
      error: { code: "HTTP_ERROR", status: 529 },
    });
  });
});
