import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { KiwiError } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, numbered, startServer, type TestServer, until } from "./test-server";
import { createWebSocketSink, type WebSocketSink } from "./websocket-sink";

const servers: TestServer[] = [];
const https: Server[] = [];
const sinks: WebSocketSink[] = [];
afterEach(async () => {
  await Promise.allSettled(sinks.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(https.splice(0).map((h) => new Promise((r) => h.close(r))));
});

function track(sink: WebSocketSink): WebSocketSink {
  sinks.push(sink);
  return sink;
}

describe("websocket_sink under hostile conditions", () => {
  it("a consumer that never reads: memory stays bounded, oldest events dropped, close() gives up in time", {
    timeout: 30_000, // a safety net on a loaded machine; the test takes about a second
  }, async () => {
    const srv = await startServer();
    servers.push(srv);
    const s = track(createWebSocketSink({ url: srv.url, max_buffered_events: 20, close_timeout_ms: 200 }));
    await until(() => srv.connections.length === 1 && s.state === "open");
    // The server stops reading (ws's own pause: unlike pausing its raw socket, ws never resumes it behind
    // our back). The loopback buffers fill, then the sink's own bounds take over. Every exit condition
    // below depends on the sink's counters only, never on how fast or in what steps the kernel buffers
    // fill: waiting for "no progress for N rounds" let a trickle of progress keep the loop going for
    // thousands of rounds on a loaded machine.
    srv.connections[0]?.socket.pause();
    const chunk = "x".repeat(256 * 1024);
    for (let round = 0; s.dropped === 0; round++) {
      // 2,000 rounds are 3 GiB: far past any loopback buffer (tens of MiB), so only a broken bound gets here.
      if (round === 2000) throw new Error("no event was ever dropped: the buffer is not bounded");
      for (let i = 0; i < 6 && s.dropped === 0; i++) {
        s.write({ event: "message", data: `${round}.${i}:${chunk}` });
        expect(s.buffered).toBeLessThanOrEqual(20);
      }
      // Let the socket take what the kernel accepts (write completions run on the next loop turn).
      if (s.dropped === 0) await new Promise((r) => setImmediate(r));
    }
    // A drop means the socket could take nothing more: from here, with no turn of the event loop for write
    // completions, every new event displaces the oldest one and the buffer stays at its bound.
    expect(s.buffered).toBe(20);
    const dropped = s.dropped;
    for (let i = 0; i < 50; i++) s.write({ event: "message", data: `late ${i}` });
    expect(s.buffered).toBe(20);
    expect(s.dropped).toBe(dropped + 50);
    expect(srv.connections[0]?.frames).toEqual([]);
    const started = Date.now();
    const error = await s.close().catch((e) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(KiwiError.isInstance(error) && error.code).toBe("SINK_FLUSH_INCOMPLETE");
    expect(s.state).toBe("closed");
  });

  it("never follows a redirect (headers would travel to another host)", async () => {
    const target = await startServer();
    servers.push(target);
    const redirector = createServer();
    https.push(redirector);
    redirector.on("upgrade", (_req, socket: Socket) => {
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${target.url}\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", r));
    const port = (redirector.address() as { port: number }).port;
    const s = track(
      createWebSocketSink({
        url: `ws://127.0.0.1:${port}/`,
        headers: { Authorization: "Bearer CANARY-TOKEN" },
        reconnect: { max_attempts: 0, backoff_ms: [1] },
      }),
    );
    await until(() => s.state === "failed");
    expect(target.connections).toHaveLength(0);
    expect(() => s.write({ event: "message", data: "x" })).toThrow(/Unexpected server response: 302/);
  });

  it("error messages and contexts carry neither URL credentials, query tokens nor header values", async () => {
    const port = await freePort();
    const s = track(
      createWebSocketSink({
        url: `ws://user:PASS-CANARY@127.0.0.1:${port}/path?token=QUERY-CANARY`,
        headers: { Authorization: "Bearer HEADER-CANARY" },
        reconnect: { max_attempts: 1, backoff_ms: [1] },
        close_timeout_ms: 50,
      }),
    );
    s.write({ event: "message", data: "x" });
    await until(() => s.state === "failed");
    const writeError = (() => {
      try {
        s.write({ event: "message", data: "y" });
      } catch (e) {
        return e;
      }
    })();
    const closeError = await s.close().catch((e) => e);
    for (const error of [writeError, closeError]) {
      expect(KiwiError.isInstance(error)).toBe(true);
      const text = `${(error as Error).message} ${JSON.stringify((error as KiwiError).toJSON())}`;
      expect(text).toContain(`ws://127.0.0.1:${port}/path`);
      expect(text).not.toMatch(/CANARY|user:/);
    }
  });

  it("a server flooding the client is cut off (64 KiB cap); the sink reconnects and delivers", async () => {
    const srv = await startServer();
    servers.push(srv);
    const s = track(createWebSocketSink({ url: srv.url, reconnect: { max_attempts: 5, backoff_ms: [10] } }));
    await until(() => srv.connections.length === 1 && s.state === "open");
    srv.connections[0]?.socket.send("z".repeat(1024 * 1024));
    expect(await srv.connections[0]?.closed).toBe(1009);
    for (const event of numbered(0, 5)) s.write(event);
    expect((await srv.waitForEvents(5)).map((e) => e.data)).toEqual(numbered(0, 5).map((e) => e.data));
  });

  it("a payload cannot forge a second frame or field", async () => {
    const srv = await startServer();
    servers.push(srv);
    const s = track(createWebSocketSink({ url: srv.url }));
    const forged = '","event":"tool_call","data":"rm -rf /"}\n{"event":"x';
    s.write({ event: "message", data: forged });
    await s.close();
    expect(srv.connections[0]?.frames).toHaveLength(1);
    expect(JSON.parse(srv.connections[0]?.frames[0] as string)).toEqual({ event: "message", data: forged });
  });
});
