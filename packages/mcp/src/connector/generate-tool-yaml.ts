import { stringify } from "yaml";
import { isHttpServer, type McpServerSpec, type RemoteTool } from "./remote-tool";

const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object"]);
const PARAM = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** The MCP protocol version Kiwi speaks to servers. */
export const MCP_PROTOCOL_VERSION = "2025-06-18";

/**
 * How `tools/list` is read: every page the server hands out (its `nextCursor`), in the same session, up to
 * 100 pages and 1,000 tools; a longer list, or a cursor the server sent before, fails with RPC_PAGE_LIMIT.
 */
export const TOOLS_LIST_PAGES = { list: "tools", max_pages: 100, max_items: 1000 } as const;

function paramType(schema: unknown): string {
  const t = (schema as { type?: unknown } | undefined)?.type;
  const first = Array.isArray(t) ? t.find((x) => x !== "null") : t;
  return typeof first === "string" && TYPES.has(first) ? first : "string";
}

/** The fields of a remote tool its pin covers, each with the value it takes when the server omits it. */
export const MCP_PIN_FIELDS = { name: "", description: "", inputSchema: {} } as const;

/** Config strings are templated by the kernel: remote text must stay literal, so braces are doubled. */
export function literal(text: string): string {
  return text.replace(/[{}]/g, (c) => c + c);
}

/** The inverse of `literal`, for text read back from a definition's (unrendered) config. */
export function unliteral(text: string): string {
  return text.replace(/\{\{|\}\}/g, (c) => c[0]!);
}

/** Where a generated tool's calls go: the approved server's command or URL. */
export function transportConfig(server: McpServerSpec): Record<string, unknown> {
  return isHttpServer(server)
    ? { url: literal(server.url) }
    : {
        command: literal(server.command),
        args: (server.args ?? []).map(literal),
        ...(server.envAllow?.length ? { env_allow: server.envAllow } : {}),
      };
}

/** The `initialize` request Kiwi opens every MCP session with. */
export function initializeStep(clientVersion: string): {
  method: "initialize";
  params: Record<string, unknown>;
} {
  return {
    method: "initialize",
    params: {
      protocolVersion: MCP_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "kiwi", version: clientVersion },
    },
  };
}

/**
 * The JSON-RPC sequence of one call: initialize → initialized → tools/list, whose answer must still hold
 * the tool exactly as pinned (otherwise the primitive stops with MCP_TOOLS_CHANGED and tools/call is never
 * sent) → tools/call. `name` and `args` are already literal (braces doubled) where they are remote text.
 */
export function callSequence(options: {
  name: string;
  args: Record<string, unknown>;
  hash: string;
  clientVersion: string;
}): Record<string, unknown>[] {
  const { name, args, hash, clientVersion } = options;
  return [
    initializeStep(clientVersion),
    { notify: "notifications/initialized" },
    {
      method: "tools/list",
      params: {},
      pages: TOOLS_LIST_PAGES,
      pin: {
        list: "tools",
        key: "name",
        value: name,
        fields: MCP_PIN_FIELDS,
        sha256: hash,
        code: "MCP_TOOLS_CHANGED",
        message: `the server's tool ${name} is no longer the one a person approved (its name, description or input schema changed): it stays disabled until a person reviews it and runs kiwi connect --approve`,
      },
    },
    { method: "tools/call", params: { name, arguments: args } },
  ];
}

function oneLine(text: string, max: number): string {
  // Descriptions are untrusted: no control characters, bounded length.
  const clean = [...text]
    .map((c) => (/\p{Cc}/u.test(c) && c !== "\n" && c !== "\t" ? " " : c))
    .join("")
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The YAML definition of one remote tool: parameters derived from its input schema (unsafe or
 * unrepresentable property names are left out), the pinned schema hash, the approved server it talks to
 * (`mcp_server`, which `mcp.connect` grants are scoped by), and the JSON-RPC sequence the primitive runs
 * (see `callSequence`).
 */
export function generateToolYaml(options: {
  id: string;
  tool: RemoteTool;
  server: McpServerSpec;
  hash: string;
  requires: readonly string[];
  clientVersion: string;
}): string {
  const { id, tool, server, hash, requires, clientVersion } = options;
  const properties = tool.inputSchema?.properties ?? {};
  const required = new Set(
    Array.isArray(tool.inputSchema?.required) ? (tool.inputSchema.required as unknown[]) : [],
  );
  const parameters: Record<string, unknown>[] = [];
  const args: Record<string, string> = {};
  const usedNames = new Set<string>();
  for (const [remote, schema] of Object.entries(properties)) {
    if (UNSAFE_KEYS.has(remote) || remote.startsWith("__")) continue;
    let name = PARAM.test(remote)
      ? remote
      : remote.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=[0-9])/, "p_");
    if (name.startsWith("__")) name = `p${name}`;
    if (!PARAM.test(name) || usedNames.has(name)) continue;
    usedNames.add(name);
    const description = (schema as { description?: unknown })?.description;
    parameters.push({
      name,
      type: paramType(schema),
      required: required.has(remote),
      ...(typeof description === "string" ? { description: oneLine(description, 500) } : {}),
    });
    args[remote] = `{${name}}`;
  }
  const definition = {
    tool_id: id,
    tool_type: "mcp_tool",
    version: "1.0.0",
    description: oneLine(tool.description || `MCP tool ${tool.name} from ${server.name}`, 2000),
    executor_id: isHttpServer(server) ? "mcp_http" : "mcp_stdio",
    requires: [...requires],
    parameters,
    input_schema: tool.inputSchema ?? { type: "object" },
    config: {
      ...transportConfig(server),
      mcp_server: server.name,
      mcp_tool: { server: server.name, name: literal(tool.name), schema_sha256: hash },
      rpc: { sequence: callSequence({ name: literal(tool.name), args, hash, clientVersion }) },
    },
  };
  return stringify(definition, { lineWidth: 0 });
}
