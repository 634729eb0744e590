/** A tool as an MCP server describes it in `tools/list` (untrusted input). */
export interface RemoteTool {
  name: string;
  description?: string | null;
  inputSchema?: { type?: unknown; properties?: Record<string, unknown>; required?: unknown } | null;
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

/** A remote tool the connector could not use, with the reason (reported, never fatal to the others). */
export interface SkippedTool {
  /** The remote name as far as it is printable (control characters escaped, cut to 80 characters). */
  remote: string;
  /** Position in the server's list. */
  index: number;
  code: string;
  message: string;
}

const MAX_NAME = 128;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A remote name made safe to print in a report. */
export function printableName(name: unknown): string {
  if (typeof name !== "string") return `(${name === null ? "null" : typeof name} name)`;
  const shown = JSON.stringify(name).slice(1, -1);
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}

/** Why a `tools/list` entry cannot be used, or undefined when it can. */
function problemOf(entry: unknown): string | undefined {
  if (!isRecord(entry)) return "is not an object";
  const { name, description, inputSchema } = entry;
  if (typeof name !== "string" || name === "") return "has no name (a non-empty string)";
  if (name.length > MAX_NAME) return `has a name longer than ${MAX_NAME} characters`;
  if (CONTROL.test(name)) return "has control characters in its name";
  if (description !== undefined && description !== null && typeof description !== "string")
    return "has a description that is not a string";
  if (inputSchema === undefined || inputSchema === null) return undefined;
  if (!isRecord(inputSchema)) return "has an inputSchema that is not an object";
  if (inputSchema.properties !== undefined && !isRecord(inputSchema.properties))
    return "has inputSchema.properties that is not an object";
  const required = inputSchema.required;
  if (required !== undefined && !(Array.isArray(required) && required.every((r) => typeof r === "string")))
    return "has inputSchema.required that is not a list of names";
  return undefined;
}

/**
 * Picks the remote tools out of a `tools/list` result. A malformed entry (no usable name, a description
 * or input schema of the wrong type) and every entry sharing its name with another (its pin could not
 * tell them apart) is skipped and reported with MCP_TOOL_INVALID; the others are used.
 */
export function remoteToolsOf(result: unknown): { tools: RemoteTool[]; skipped: SkippedTool[] } {
  const list = isRecord(result) ? result.tools : undefined;
  if (!Array.isArray(list)) return { tools: [], skipped: [] };
  const counts = new Map<string, number>();
  for (const entry of list) {
    if (isRecord(entry) && typeof entry.name === "string")
      counts.set(entry.name, (counts.get(entry.name) ?? 0) + 1);
  }
  const tools: RemoteTool[] = [];
  const skipped: SkippedTool[] = [];
  list.forEach((entry: unknown, index) => {
    const name = isRecord(entry) ? entry.name : undefined;
    const problem =
      problemOf(entry) ??
      ((counts.get(name as string) ?? 0) > 1 ? "shares its name with another tool of the server" : undefined);
    if (problem === undefined) {
      tools.push(entry as unknown as RemoteTool);
      return;
    }
    skipped.push({
      remote: printableName(name),
      index,
      code: "MCP_TOOL_INVALID",
      message: `remote tool #${index} (${printableName(name)}) ${problem}: skipped`,
    });
  });
  return { tools, skipped };
}
