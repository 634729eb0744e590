// A real MCP server (official SDK, stdio) that lists its tools in pages, as the protocol allows: tools/list
// answers `pageSize` tools and a `nextCursor` until the list is done. Arguments: <tools.json> <pageSize>
// [loop]. With `loop`, every page carries the same cursor again (a server that would page for ever).
// tools/call answers with the name it was called with. A cursor it did not hand out is an error.
import { readFileSync } from "node:fs";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";

const [file, pageSize, mode] = process.argv.slice(2);
const size = Number(pageSize);
const server = new Server({ name: "paginated", version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async (request) => {
  const tools = JSON.parse(readFileSync(file, "utf8"));
  const cursor = request.params?.cursor;
  const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!Number.isInteger(start) || start < 0 || start > tools.length) throw new McpError(-32602, "bad cursor");
  const end = start + size;
  const next = mode === "loop" ? Buffer.from("0").toString("base64url") : Buffer.from(String(end)).toString("base64url");
  return { tools: tools.slice(start, end), ...(end < tools.length || mode === "loop" ? { nextCursor: next } : {}) };
});
server.setRequestHandler(CallToolRequestSchema, async (request) => ({
  content: [{ type: "text", text: `called ${request.params.name}` }],
}));
await server.connect(new StdioServerTransport());
