// A real MCP server (official SDK, stdio) whose tool list comes from a JSON file named on the command
// line, so tests can change, add and remove remote tools between connects (and between calls). tools/call
// answers with the name it was called with, its arguments and its environment (to see whether canaries
// leaked), and appends the name to the log file named by the second argument, when there is one, so a
// test can tell whether a call ever reached the server.
import { appendFileSync, readFileSync } from "node:fs";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [file, callLog] = process.argv.slice(2);
const server = new Server({ name: "scripted", version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: JSON.parse(readFileSync(file, "utf8")) }));
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  if (callLog) appendFileSync(callLog, `${request.params.name}\n`);
  return {
    content: [
      {
        type: "text",
        text: JSON.stringify({ name: request.params.name, arguments: request.params.arguments ?? {}, env: process.env }),
      },
    ],
  };
});
await server.connect(new StdioServerTransport());
