// Diagnostic row for the round-trip benchmark: the real createKiwiMcpServer (dist) in front of a stand-in
// kernel that answers `execute` at once with the shape the real kernel returns for the no-op tool. The gap
// between this row and the bare SDK is what @kiwi/mcp itself costs; the rest of kiwi-mcp's time is the kernel.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createKiwiMcpServer } from "../dist/index.js";

const answer = {
  success: true,
  tool_id: "noop",
  chain: ["noop", "echo"],
  primitive: "echo",
  result: { success: true, config: {}, params: {}, chain: ["noop", "echo"] },
};
const kernel = {
  search: async () => answer,
  load: async () => answer,
  execute: async () => answer,
  help: async () => answer,
};
const server = createKiwiMcpServer({ kernel });
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => void server.close());
