// End to end: a project that depends on this package gets `websocket_sink` from the package's own data
// definition (signed with the Kiwi core key), and an http_client SSE stream reaches a real ws server.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { startServer } from "./test-server";

const PLUGIN_DIR = fileURLToPath(new URL("..", import.meta.url));

async function sseServer(events: number) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let i = 0; i < events; i++) res.write(`event: delta\ndata: {"n":${i}}\n\n`);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/stream`,
    close: () => server.close(),
  };
}

describe("websocket_sink discovered from data", () => {
  it("streams an SSE response into a WebSocket server through the kernel", async () => {
    const ws = await startServer();
    const sse = await sseServer(5);
    const { projectRoot, userSpace } = await tempProject({
      prefix: "kiwi-ws-e2e",
      packages: { "@kiwi/sink-websocket": PLUGIN_DIR },
    });
    try {
      const kernel = await createKernel({
        projectRoot,
        userSpace,
        indexTtlMs: 0,
        guard: false, // about discovery and streaming; websocket_sink requires net.websocket
      });
      expect(kernel.spaces.map((s) => s.name)).toContain("plugin:@kiwi/sink-websocket");
      const tool = [
        "tool_id: relay",
        "tool_type: http",
        'version: "1.0.0"',
        "description: Relays a stream to a websocket",
        "executor_id: http_client",
        "requires: none",
        "config:",
        `  url: "${sse.url}"`,
        "  mode: stream",
        "  stream:",
        "    destinations:",
        "      - type: return",
        "      - type: websocket_sink",
        `        url: "${ws.url}"`,
        "",
      ].join("\n");
      const created = await kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "relay",
        parameters: { content: tool },
      });
      expect(created.success).toBe(true);
      const r = await kernel.execute({ item_type: "tool", action: "run", item_id: "relay" });
      expect(r.success ? r.result : r.error).toMatchObject({
        success: true,
        stream_events_count: 5,
        stream_destinations: ["return", "websocket_sink"],
      });
      const received = await ws.waitForEvents(5);
      expect(received.map((e) => [e.event, e.data])).toEqual(
        [0, 1, 2, 3, 4].map((n) => ["delta", `{"n":${n}}`]),
      );
      await expect(ws.connections[0]!.closed).resolves.toBe(1000);
    } finally {
      sse.close();
      await ws.stop();
    }
  }, 30_000);
});
