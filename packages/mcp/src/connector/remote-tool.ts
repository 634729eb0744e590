/** A tool as an MCP server describes it in `tools/list` (untrusted input). */
export interface RemoteTool {
  name: string;
  description?: string;
  inputSchema?: { type?: unknown; properties?: Record<string, unknown>; required?: unknown };
}

/** How to reach an MCP server over stdio. */
export interface StdioServer {
  /** Short name: the folder (`.ai/tools/mcp/<name>/`) and the `mcp_tool.server` of generated tools. */
  name: string;
  command: string;
  args?: string[];
  /** The environment variable names the server may inherit (secrets are not inherited by default). */
  envAllow?: string[];
}

/** How to reach an MCP server over Streamable HTTP. */
export interface HttpServer {
  name: string;
  /** The MCP endpoint, e.g. http://127.0.0.1:3001/mcp. */
  url: string;
}

export type McpServerSpec = StdioServer | HttpServer;

export function isHttpServer(server: McpServerSpec): server is HttpServer {
  return "url" in server;
}

/** Picks the remote tools out of a `tools/list` result, dropping malformed entries. */
export function remoteToolsOf(result: unknown): RemoteTool[] {
  const tools = (result as { tools?: unknown } | undefined)?.tools;
  if (!Array.isArray(tools)) return [];
  return tools.filter(
    (t): t is RemoteTool => typeof t === "object" && t !== null && typeof (t as RemoteTool).name === "string",
  );
}
