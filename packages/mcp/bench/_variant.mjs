import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
const v = process.argv[2];
const answer = { success: true, tool_id: "noop", chain: ["noop", "echo"], primitive: "echo", result: { success: true, config: {}, params: {}, chain: ["noop", "echo"] } };
const server = new McpServer({ name: "v", version: "1" });
const schema = v.includes("schema") ? { inputSchema: z.looseObject({}) } : {};
server.registerTool("noop", { description: "x", ...schema }, async () => {
  if (v.includes("ok")) return { content: [{ type: "text", text: "ok" }] };
  const text = v.includes("compact") ? JSON.stringify(answer) : JSON.stringify(answer, null, 2);
  return { content: [{ type: "text", text }], ...(v.includes("structured") ? { structuredContent: answer } : {}) };
});
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => void server.close());
