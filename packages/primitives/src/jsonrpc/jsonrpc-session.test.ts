import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import type { JsonRpcMessage } from "./jsonrpc-message";
import { JsonRpcSession } from "./jsonrpc-session";
import { connectedPeer } from "./jsonrpc-test-peer";
import type { JsonRpcTransport } from "./jsonrpc-transport";

describe("JsonRpcSession", () => {
  it("numbers requests 1, 2, … and matches responses that arrive out of order", async () => {
    const { session, peer } = connectedPeer();
    const first = session.request("first", { n: 1 });
    const second = session.request("second", [2]);
    const sent = await peer.waitFor(2);
    expect(sent).toEqual([
      { jsonrpc: "2.0", id: 1, method: "first", params: { n: 1 } },
      { jsonrpc: "2.0", id: 2, method: "second", params: [2] },
    ]);
    peer.send({ jsonrpc: "2.0", id: 2, result: "two" });
    peer.send({ jsonrpc: "2.0", id: 1, result: "one" });
    expect(await Promise.all([first, second])).toEqual(["one", "two"]);
  });

  it("call() resolves with an error response; request() rejects with a JSONRPC_ERROR KiwiError", async () => {
    const { session, peer } = connectedPeer();
    const call = session.call("a");
    const request = session.request("b");
    await peer.waitFor(2);
    peer.send({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "nope" } });
    peer.send({ jsonrpc: "2.0", id: 2, error: { code: -32602, message: "bad", data: 1 } });
    expect(await call).toEqual({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "nope" } });
    const error = await request.catch((e: unknown) => e);
    expect(KiwiError.isInstance(error)).toBe(true);
    expect((error as KiwiError).toJSON()).toMatchObject({
      code: "JSONRPC_ERROR",
      jsonrpc_code: -32602,
      data: 1,
      method: "b",
    });
  });

  it("ignores responses for unknown ids and reports them as protocol errors", async () => {
    const { session, peer, protocolErrors } = connectedPeer();
    const pending = session.request("a");
    await peer.waitFor(1);
    peer.send({ jsonrpc: "2.0", id: 99, result: "stray" });
    peer.send({ jsonrpc: "2.0", id: "1", result: "wrong type of id" });
    peer.send({ jsonrpc: "2.0", id: 1, result: "right" });
    expect(await pending).toBe("right");
    expect(protocolErrors.map((e) => e.context.reason)).toEqual(["unknown_id", "unknown_id"]);
  });

  it("reports an error response with a null id (the peer could not parse us) without failing requests", async () => {
    const { session, peer, protocolErrors } = connectedPeer();
    const pending = session.request("a");
    await peer.waitFor(1);
    peer.send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    peer.send({ jsonrpc: "2.0", id: 1, result: true });
    expect(await pending).toBe(true);
    expect(protocolErrors[0]?.context).toMatchObject({ jsonrpc_code: -32700, reason: "error_without_id" });
  });

  it("sends notifications without an id and delivers the peer's notifications", async () => {
    const { session, peer, notifications } = connectedPeer();
    await session.notify("notifications/initialized");
    await session.notify("progress", { p: 1 });
    expect(await peer.waitFor(2)).toEqual([
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", method: "progress", params: { p: 1 } },
    ]);
    peer.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info" } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(notifications).toEqual([
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info" } },
    ]);
  });

  it("answers the peer's requests with -32601 unless a handler is registered", async () => {
    const { session, peer } = connectedPeer({
      requestHandlers: {
        "roots/list": () => ({ roots: [] }),
        explode: () => {
          throw new KiwiError({ code: "X", message: "no", context: { jsonrpc_code: -32602 } });
        },
      },
    });
    session.setRequestHandler("ping", async () => undefined);
    peer.send({ jsonrpc: "2.0", id: "s1", method: "sampling/createMessage", params: {} });
    peer.send({ jsonrpc: "2.0", id: "s2", method: "roots/list" });
    peer.send({ jsonrpc: "2.0", id: "s3", method: "explode" });
    peer.send({ jsonrpc: "2.0", id: "s4", method: "ping" });
    const answers = await peer.waitFor(4);
    const byId = Object.fromEntries(answers.map((m) => [m.id as string, m]));
    expect(byId.s1).toEqual({
      jsonrpc: "2.0",
      id: "s1",
      error: { code: -32601, message: "method not found: sampling/createMessage" },
    });
    expect(byId.s2).toEqual({ jsonrpc: "2.0", id: "s2", result: { roots: [] } });
    expect(byId.s3).toEqual({ jsonrpc: "2.0", id: "s3", error: { code: -32602, message: "no" } });
    expect(byId.s4).toEqual({ jsonrpc: "2.0", id: "s4", result: null });
  });

  it("times a request out with a retryable TIMEOUT, and a late answer is then an unknown id", async () => {
    const { session, peer, protocolErrors } = connectedPeer();
    const error = await session.request("slow", undefined, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect((error as KiwiError).code).toBe("TIMEOUT");
    expect((error as KiwiError).retryable).toBe(true);
    peer.send({ jsonrpc: "2.0", id: 1, result: "late" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(protocolErrors.map((e) => e.context.reason)).toEqual(["unknown_id"]);
  });

  it("rejects a request with ABORTED when its signal fires (and at once when already aborted)", async () => {
    const { session } = connectedPeer();
    const controller = new AbortController();
    const pending = session.request("a", undefined, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await expect(session.request("b", undefined, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "ABORTED",
    });
  });

  it("close() rejects every pending request with a clear error, ends the input, and refuses new calls", async () => {
    const { session, peer } = connectedPeer();
    const a = session.request("tools/call");
    const b = session.request("other");
    await peer.waitFor(2);
    await session.close();
    await expect(a).rejects.toMatchObject({
      code: "ABORTED",
      message: expect.stringContaining('"tools/call" (id 1) cannot complete: the session was closed'),
    });
    await expect(b).rejects.toMatchObject({ code: "ABORTED" });
    expect(peer.inputEnded()).toBe(true);
    expect(session.closed).toBe(true);
    await expect(session.request("late")).rejects.toMatchObject({ code: "ABORTED" });
    await expect(session.notify("late")).rejects.toMatchObject({ code: "ABORTED" });
    await session.close(); // idempotent
  });

  it("rejects pending requests when the peer goes away", async () => {
    const { session, peer } = connectedPeer();
    const pending = session.request("a");
    await peer.waitFor(1);
    peer.end();
    await expect(pending).rejects.toMatchObject({
      code: "ABORTED",
      message: expect.stringContaining("the peer closed the connection"),
    });
  });

  it("works over any transport: an in-memory loopback to a second session", async () => {
    const handlersA: Array<(m: JsonRpcMessage) => void> = [];
    const handlersB: Array<(m: JsonRpcMessage) => void> = [];
    const link = (to: typeof handlersA, own: typeof handlersA): JsonRpcTransport => ({
      send: (message) =>
        queueMicrotask(() => {
          for (const handler of to) handler(structuredClone(message));
        }),
      onMessage: (handler) => void own.push(handler),
      close: () => {},
    });
    const client = new JsonRpcSession(link(handlersB, handlersA));
    new JsonRpcSession(link(handlersA, handlersB), {
      requestHandlers: { add: (p) => (p as number[])[0]! + 1 },
    });
    expect(await client.request("add", [41])).toBe(42);
  });
});
