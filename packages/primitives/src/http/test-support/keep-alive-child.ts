// Run as a child process by node-transport.test.ts: one http_client call over a kept-alive socket, then
// nothing. The process must exit on its own although the server keeps the idle socket open.
import { createHttpClientPrimitive } from "../node-http-client-primitive";

const result = await createHttpClientPrimitive().run({
  config: { url: process.argv[2] },
  params: {},
  context: { projectRoot: "/nonexistent", toolId: "child", chain: ["child", "http_client"], meta: {} },
});
process.stdout.write(`${JSON.stringify({ status: result.status_code, at: Date.now() })}\n`);
