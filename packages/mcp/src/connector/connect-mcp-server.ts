import type { Kernel } from "@kiwi/kernel";
import { KiwiError } from "@kiwi/spec";
import { generateToolYaml, MCP_PROTOCOL_VERSION } from "./generate-tool-yaml";
import { isHttpServer, type McpServerSpec, type RemoteTool, remoteToolsOf } from "./remote-tool";
import { uniqueIds } from "./sanitize-tool-name";
import { schemaHash } from "./schema-hash";

/** One JSON-RPC step: a request (answered) or a notification. */
export type RpcStep = { method: string; params?: unknown } | { notify: string; params?: unknown };

/** Runs a JSON-RPC sequence against a server and returns the result of each request, in order. */
export type RpcRunner = (server: McpServerSpec, sequence: RpcStep[]) => Promise<unknown[]>;

export interface ConnectOptions {
  kernel: Kernel;
  server: McpServerSpec;
  runRpc: RpcRunner;
  /** Prefix of generated tool ids (default `<server>_`). */
  prefix?: string;
  /** Capabilities every generated tool requires: Kiwi policy, never what the server claims. */
  requires?: readonly string[];
  /** Accept changed remote definitions: all of them, or these generated ids. */
  approve?: boolean | readonly string[];
  location?: "project" | "user";
  clientVersion?: string;
}

export type ToolStatus = "created" | "unchanged" | "changed" | "updated" | "removed";

export interface ConnectResult {
  server: string;
  category: string;
  tools: { id: string; remote: string; status: ToolStatus; schema_sha256?: string; pinned_sha256?: string }[];
}

const SERVER_NAME = /^[a-z][a-z0-9_-]{0,40}$/;

function pinnedHash(entry: { record?: { parsed: { itemType: string; data: unknown } } }): string | undefined {
  const data = entry.record?.parsed.data as
    | { tool_type?: string; config?: { mcp_tool?: { schema_sha256?: unknown } } }
    | undefined;
  const h = data?.tool_type === "mcp_tool" ? data.config?.mcp_tool?.schema_sha256 : undefined;
  return typeof h === "string" ? h : undefined;
}

async function must(
  result: Promise<{ success: boolean; error?: { code: string; message: string } }>,
  what: string,
) {
  const r = await result;
  if (!r.success) throw new KiwiError({ code: r.error!.code, message: `${what}: ${r.error!.message}` });
}

/**
 * Connects to an MCP server, lists its tools and keeps one signed Kiwi tool per remote tool in
 * `.ai/tools/mcp/<server>/`: new tools are created, tools whose definition (name, description, input
 * schema) changed are reported and left pinned until approved, and tools that disappeared are removed.
 * Kiwi tokens never reach the server: the generated tools template only the model's arguments.
 */
export async function connectMcpServer(options: ConnectOptions): Promise<ConnectResult> {
  const { kernel, server, runRpc } = options;
  if (!SERVER_NAME.test(server.name)) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `MCP server name '${server.name.slice(0, 60)}' must be lowercase letters, digits, - or _ (it names a folder)`,
      context: { field: "server.name" },
    });
  }
  const clientVersion = options.clientVersion ?? "0.1.0";
  let results: unknown[];
  try {
    results = await runRpc(server, [
      {
        method: "initialize",
        params: {
          protocolVersion: MCP_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "kiwi", version: clientVersion },
        },
      },
      { notify: "notifications/initialized" },
      { method: "tools/list", params: {} },
    ]);
  } catch (cause) {
    throw new KiwiError({
      code: "MCP_CONNECTION_FAILED",
      message: `could not list the tools of MCP server '${server.name}' (${isHttpServer(server) ? server.url : server.command}): ${(cause as Error).message}`,
      context: { server: server.name },
      cause,
    });
  }
  const remote: RemoteTool[] = remoteToolsOf(results[1]);
  const category = `mcp/${server.name.replace(/-/g, "_")}`;
  const location = options.location ?? "project";
  const ids = uniqueIds(
    remote.map((t) => t.name),
    options.prefix ?? `${server.name.replace(/-/g, "_")}_`,
  );
  const existing = new Map(
    (await kernel.inventory())
      .filter((e) => e.itemType === "tool" && e.space.kind === location && e.category === category)
      .map((e) => [e.id, e]),
  );
  const approve = options.approve ?? false;
  const out: ConnectResult = { server: server.name, category, tools: [] };
  for (const tool of remote) {
    const id = ids.get(tool.name)!;
    const hash = schemaHash(tool);
    const content = generateToolYaml({
      id,
      tool,
      server,
      hash,
      requires: options.requires ?? ["mcp.connect"],
      clientVersion,
    });
    const old = existing.get(id);
    existing.delete(id);
    const parameters = { content, category, location };
    if (!old) {
      await must(
        kernel.execute({ item_type: "tool", action: "create", item_id: id, parameters }),
        `creating ${id}`,
      );
      out.tools.push({ id, remote: tool.name, status: "created", schema_sha256: hash });
      continue;
    }
    const pinned = pinnedHash(old);
    if (pinned === hash) {
      out.tools.push({ id, remote: tool.name, status: "unchanged", schema_sha256: hash });
      continue;
    }
    if (approve === true || (Array.isArray(approve) && approve.includes(id))) {
      await must(
        kernel.execute({ item_type: "tool", action: "update", item_id: `${category}/${id}`, parameters }),
        `updating ${id}`,
      );
      out.tools.push({
        id,
        remote: tool.name,
        status: "updated",
        schema_sha256: hash,
        ...(pinned ? { pinned_sha256: pinned } : {}),
      });
    } else {
      out.tools.push({
        id,
        remote: tool.name,
        status: "changed",
        schema_sha256: hash,
        ...(pinned ? { pinned_sha256: pinned } : {}),
      });
    }
  }
  for (const [id, entry] of existing) {
    if (pinnedHash(entry) === undefined) continue; // not generated by the connector: never touched
    await must(
      kernel.execute({
        item_type: "tool",
        action: "delete",
        item_id: `${category}/${id}`,
        parameters: { confirm: true, location },
      }),
      `removing ${id}`,
    );
    out.tools.push({ id, remote: "", status: "removed" });
  }
  return out;
}
