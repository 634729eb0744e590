import { testSink } from "@kiwi/testing";
import { afterAll, beforeAll, describe } from "vitest";
import { startServer, type TestServer } from "./test-server";
import { createWebSocketSink } from "./websocket-sink";

// The shared sink-v1 suite, against a real ws server: readBack is what the server received.
describe("websocket_sink against a real server", () => {
  let server: TestServer;
  let seen = 0; // connections that belong to earlier tests

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  testSink(
    "websocket_sink",
    () => {
      seen = server.connections.length;
      return createWebSocketSink({ url: server.url });
    },
    {
      readBack: async () => {
        const mine = server.connections.slice(seen);
        await Promise.all(mine.map((c) => c.closed)); // every frame was read before the close frame
        return mine.flatMap((c) => c.frames.map((f) => JSON.parse(f)));
      },
    },
  );
});
