import { PassThrough } from "node:stream";
import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { connectedPeer } from "./jsonrpc-test-peer";
import { createNdjsonTransport } from "./ndjson-transport";

describe("createNdjsonTransport", () => {
  it("reassembles a response split across chunks anywhere, with \\r\\n endings", async () => {
    const { session, peer } = connectedPeer();
    const pending = session.request("a");
    await peer.waitFor(1);
    const line = `${JSON.stringify({ jsonrpc: "2.0", id: 1, result: { text: "héllo wörld €" } })}\r\n`;
    const bytes = Buffer.from(line);
    for (const b of bytes) peer.write(Buffer.from([b]));
    expect(await pending).toEqual({ text: "héllo wörld €" });
  });

  it("reads several messages from one chunk and skips blank lines", async () => {
    const { session, peer } = connectedPeer();
    const a = session.request("a");
    const b = session.request("b");
    await peer.waitFor(2);
    peer.write(
      `\n${JSON.stringify({ jsonrpc: "2.0", id: 1, result: 1 })}\n   \n${JSON.stringify({ jsonrpc: "2.0", id: 2, result: 2 })}\n`,
    );
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  it("reports garbage lines as protocol errors and goes on", async () => {
    const { session, peer, protocolErrors } = connectedPeer();
    const pending = session.request("a");
    await peer.waitFor(1);
    peer.write("Server starting on stdout (oops)\n");
    peer.write('{"jsonrpc":"2.0","id":1,"result":"x","extra":true}\n');
    peer.write("[1,2]\n");
    peer.send({ jsonrpc: "2.0", id: 1, result: "fine" });
    expect(await pending).toBe("fine");
    expect(protocolErrors.map((e) => e.context.jsonrpc_code)).toEqual([-32700, -32600, -32600]);
  });

  it("drops a line over the bound (memory stays bounded) and keeps reading after it", async () => {
    const { session, peer, protocolErrors } = connectedPeer({ maxLineBytes: 1024 });
    const pending = session.request("a");
    await peer.waitFor(1);
    const huge = JSON.stringify({ jsonrpc: "2.0", id: 1, result: "x".repeat(10 * 1024 * 1024) });
    for (let i = 0; i < huge.length; i += 64 * 1024) peer.write(huge.slice(i, i + 64 * 1024));
    peer.write("\n");
    peer.send({ jsonrpc: "2.0", id: 1, result: "small" });
    expect(await pending).toBe("small");
    expect(protocolErrors).toHaveLength(1);
    expect(protocolErrors[0]?.context).toMatchObject({ reason: "line_too_long", max_line_bytes: 1024 });
  });

  it("parses a final line that has no newline when the stream ends", async () => {
    const { session, peer } = connectedPeer();
    const pending = session.request("a");
    await peer.waitFor(1);
    peer.write(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "last" }));
    peer.end();
    expect(await pending).toBe("last");
  });

  it("refuses to send once the peer's input is closed, with a JSONRPC_ERROR KiwiError", async () => {
    const writable = new PassThrough();
    const transport = createNdjsonTransport({ readable: new PassThrough(), writable });
    writable.end();
    const error = await Promise.resolve(transport.send({ jsonrpc: "2.0", method: "ping" })).catch((e) => e);
    expect(KiwiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "JSONRPC_ERROR", context: { reason: "peer_closed" } });
  });
});
