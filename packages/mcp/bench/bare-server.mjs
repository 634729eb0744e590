// Baseline for the round-trip benchmark: the official SDK's McpServer over stdio with one trivial tool
// and nothing else, so the difference to kiwi-mcp is what Kiwi adds on top of the protocol.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const server = new McpServer({ name: "bare", version: "1.0.0" });
server.registerTool("noop", { description: "Does nothing." }, async () => ({
  content: [{ type: "text", text: "ok" }],
}));
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => void server.close());
