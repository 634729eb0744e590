// A real MCP server (official SDK, stdio) whose tool list comes from a JSON file named on the command
// line, so tests can change, add and remove remote tools between connects. tools/call answers with the
// name it was called with, its arguments and whether canaries leaked into its environment.
import { readFileSync } from "node:fs";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const file = process.argv[2];
const server = new Server({ name: "scripted", version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: JSON.parse(readFileSync(file, "utf8")) }));
server.setRequestHandler(CallToolRequestSchema, async (request) => ({
  content: [{ type: "text", text: JSON.stringify({ name: request.params.name, arguments: request.params.arguments ?? {}, env: process.env }) }],
}));
await server.connect(new StdioServerTransport());
