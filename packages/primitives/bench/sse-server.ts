import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback server answering every request (GET /stream, POST /v1/messages…) with the current
 * pre-built chunks as `text/event-stream`, respecting backpressure. `setChunks` switches the stream.
 */
export async function startSseServer(): Promise<{
  origin: string;
  setChunks(chunks: Buffer[]): void;
  close(): Promise<void>;
}> {
  let chunks: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "request-id": "req_bench",
      });
      let i = 0;
      const list = chunks;
      const pump = () => {
        while (i < list.length) {
          if (!res.write(list[i++])) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    setChunks: (next) => {
      chunks = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
