import type { SinkFactory } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, numbered, startServer, type TestServer, until } from "./test-server";
import { createWebSocketSink, type WebSocketSink } from "./websocket-sink";
import type { WebSocketSinkSettings } from "./websocket-sink-settings";

const asFactory: SinkFactory<WebSocketSinkSettings> = createWebSocketSink;
const fast = { max_attempts: 50, backoff_ms: [10, 20, 40] };

const servers: TestServer[] = [];
const sinks: WebSocketSink[] = [];
afterEach(async () => {
  await Promise.allSettled(sinks.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(port?: number) {
  const started = await startServer(port);
  servers.push(started);
  return started;
}

function sink(settings: WebSocketSinkSettings) {
  const created = createWebSocketSink(settings, { projectRoot: "/p", toolId: "t" });
  sinks.push(created);
  return created;
}

function writeAll(target: WebSocketSink, events: ReturnType<typeof numbered>) {
  for (const event of events) expect(target.write(event)).toBeUndefined();
}

describe("websocket_sink delivery", () => {
  it("sends each event as a JSON text frame {event, data, id?}, in order", async () => {
    const srv = await server();
    const s = sink({ url: srv.url });
    s.write({ event: "message", data: '{"a":1}', id: "1" });
    s.write({ event: "stdout", data: "line" });
    await s.close();
    const [conn] = srv.connections;
    expect(conn?.frames).toEqual([
      '{"event":"message","data":"{\\"a\\":1}","id":"1"}',
      '{"event":"stdout","data":"line"}',
    ]);
    expect(conn?.binary).toEqual([false, false]);
    expect(s.sent).toBe(2);
  });

  it("delivers 500 events in order", async () => {
    const srv = await server();
    const s = sink({ url: srv.url });
    writeAll(s, numbered(0, 500));
    await s.flush();
    expect((await srv.waitForEvents(500)).map((e) => e.data)).toEqual(numbered(0, 500).map((e) => e.data));
  });

  it("server down at start, then up: buffered events arrive after reconnecting, in order", async () => {
    const port = await freePort();
    const s = sink({ url: `ws://127.0.0.1:${port}/`, reconnect: fast });
    writeAll(s, numbered(0, 20));
    await until(() => s.state === "waiting");
    expect(s.buffered).toBe(20);
    const srv = await server(port);
    expect((await srv.waitForEvents(20)).map((e) => e.data)).toEqual(numbered(0, 20).map((e) => e.data));
    expect(s.dropped).toBe(0);
  });

  it("server restarts mid-stream: nothing lost, nothing repeated, order kept", async () => {
    const first = await server();
    const s = sink({ url: first.url, reconnect: fast });
    writeAll(s, numbered(0, 50));
    await first.waitForEvents(50);
    await first.stop();
    servers.splice(servers.indexOf(first), 1);
    await until(() => s.state !== "open");
    writeAll(s, numbered(50, 100));
    const second = await server(first.port);
    await second.waitForEvents(50);
    await s.close();
    const all = [...first.events(), ...second.events()].map((e) => e.data);
    expect(all).toEqual(numbered(0, 100).map((e) => e.data));
  });

  it("respects max_buffered_events: the oldest are dropped and counted", async () => {
    const port = await freePort();
    const s = sink({ url: `ws://127.0.0.1:${port}/`, reconnect: fast, max_buffered_events: 10 });
    writeAll(s, numbered(0, 25));
    expect(s.buffered).toBe(10);
    expect(s.dropped).toBe(15);
    const srv = await server(port);
    expect((await srv.waitForEvents(10)).map((e) => e.data)).toEqual(numbered(15, 25).map((e) => e.data));
    await s.close();
    expect(srv.events()).toHaveLength(10);
  });

  it("close() flushes what is buffered, then closes the socket with code 1000", async () => {
    const srv = await server();
    const s = sink({ url: srv.url });
    writeAll(s, numbered(0, 200)); // written before the connection even opened
    await s.close();
    expect(s.state).toBe("closed");
    expect(await srv.connections[0]?.closed).toBe(1000);
    expect(srv.events()).toHaveLength(200);
    await expect(s.close()).resolves.toBeUndefined();
    expect(() => s.write({ event: "message", data: "late" })).toThrow(
      expect.objectContaining({ code: "SINK_CLOSED" }),
    );
  });

  it("close() with the server unreachable gives up after close_timeout_ms with SINK_FLUSH_INCOMPLETE", async () => {
    const port = await freePort();
    const s = sink({ url: `ws://127.0.0.1:${port}/`, reconnect: fast, close_timeout_ms: 150 });
    writeAll(s, numbered(0, 3));
    const started = Date.now();
    const error = await s.close().catch((e) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(KiwiError.isInstance(error) && error.code).toBe("SINK_FLUSH_INCOMPLETE");
    expect((error as KiwiError).context).toMatchObject({ undelivered: 3 });
    expect(s.state).toBe("closed");
  });

  it("after max_attempts reconnections write throws SINK_WRITE_FAILED", async () => {
    const port = await freePort();
    const s = sink({ url: `ws://127.0.0.1:${port}/`, reconnect: { max_attempts: 2, backoff_ms: [5] } });
    await until(() => s.state === "failed");
    expect(() => s.write({ event: "message", data: "x" })).toThrow(
      expect.objectContaining({
        code: "SINK_WRITE_FAILED",
        context: expect.objectContaining({ attempts: 2 }),
      }),
    );
    await expect(s.flush()).rejects.toMatchObject({ code: "SINK_WRITE_FAILED" });
  });

  it("an abort while waiting to reconnect stops the retries", async () => {
    const port = await freePort();
    const controller = new AbortController();
    const s = createWebSocketSink(
      { url: `ws://127.0.0.1:${port}/`, reconnect: { max_attempts: 50, backoff_ms: [60_000] } },
      { projectRoot: "/p", toolId: "t", signal: controller.signal },
    );
    sinks.push(s);
    await until(() => s.state === "waiting");
    controller.abort();
    expect(s.state).toBe("failed");
  });

  it("flush() resolves once the events went out, and waits through a reconnection", async () => {
    const port = await freePort();
    const s = sink({ url: `ws://127.0.0.1:${port}/`, reconnect: fast });
    writeAll(s, numbered(0, 5));
    const flushed = s.flush();
    await new Promise((r) => setTimeout(r, 30));
    const srv = await server(port);
    await flushed;
    expect(s.sent).toBe(5); // written out to the socket; the server may read them a moment later
    expect(s.buffered).toBe(0);
    await srv.waitForEvents(5);
  });

  it("sends the configured headers in the opening handshake", async () => {
    const srv = await server();
    const s = sink({ url: srv.url, headers: { Authorization: "Bearer test-token", "X-Kiwi": "1" } });
    s.write({ event: "message", data: "x" });
    await s.close();
    expect(srv.connections[0]?.request.headers).toMatchObject({
      authorization: "Bearer test-token",
      "x-kiwi": "1",
    });
  });

  it("works as a SinkFactory", async () => {
    const srv = await server();
    const s = await asFactory({ url: srv.url }, { projectRoot: "/p", toolId: "t" });
    expect(s.specificationVersion).toBe("sink-v1");
    expect(s.id).toBe("websocket_sink");
    await s.close();
  });
});

describe("websocket_sink settings", () => {
  const schema = createWebSocketSink.settingsSchema["~standard"];

  it("applies the documented defaults", async () => {
    expect(await schema.validate({ url: "wss://example.test/x" })).toMatchObject({
      value: {
        url: "wss://example.test/x",
        reconnect: { max_attempts: 5, backoff_ms: [100, 500, 2000] },
        max_buffered_events: 1000,
        close_timeout_ms: 2000,
        connect_timeout_ms: 5000,
      },
    });
  });

  it.each([
    { url: "http://example.test/" },
    { url: "ws://example.test/#frag" },
    { url: "not a url" },
    { url: "ws://x/", extra: 1 },
    { url: "ws://x/", reconnect: { max_attempts: 1, backof_ms: [1] } },
    { url: "ws://x/", max_buffered_events: 0 },
    { url: "ws://x/", headers: { "Bad Header": "v" } },
    { url: "ws://x/", headers: { "X-Ok": "a\r\nInjected: 1" } },
  ])("refuses %j", async (settings) => {
    const result = await schema.validate(settings);
    expect("issues" in result && result.issues?.length).toBeTruthy();
    expect(() => createWebSocketSink(settings as WebSocketSinkSettings)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});
