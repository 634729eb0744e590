import type { Kernel, LibraryEntry } from "@kiwi/kernel";
import { KiwiError } from "@kiwi/spec";
import { stringify } from "yaml";
import {
  callSequence,
  generateToolYaml,
  initializeStep,
  TOOLS_LIST_PAGES,
  transportConfig,
  unliteral,
} from "./generate-tool-yaml";
import {
  isHttpServer,
  type McpServerSpec,
  printableName,
  type RemoteTool,
  remoteToolsOf,
  type SkippedTool,
} from "./remote-tool";
import { uniqueIds } from "./sanitize-tool-name";
import { schemaHash } from "./schema-hash";
import { checkServerName, serverConfigRef, serverFolder } from "./server-config";

/**
 * The connector's item writes are the person's: it only ever writes the generated tools of a server
 * configuration the person approved (signed with their key), from that configuration, whoever asked for
 * the refresh (`kiwi connect`, or a thread holding `mcp.connect` for the server).
 */
const PERSON = { asPerson: true } as const;

/** One JSON-RPC step: a request (answered) or a notification. */
export type RpcStep =
  | { method: string; params?: unknown; pages?: typeof TOOLS_LIST_PAGES }
  | { notify: string; params?: unknown };

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
  /**
   * Accept changed remote definitions: all of them, or these generated ids. A person's act: the
   * model-facing `mcp_connect` tool never sets it.
   */
  approve?: boolean | readonly string[];
  location?: "project" | "user";
  clientVersion?: string;
}

export type ToolStatus = "created" | "unchanged" | "changed" | "updated" | "removed";

export interface ConnectResult {
  server: string;
  category: string;
  tools: { id: string; remote: string; status: ToolStatus; schema_sha256?: string; pinned_sha256?: string }[];
  /** Remote tools that could not be used (malformed, or their definition was refused): reported, not fatal. */
  skipped: SkippedTool[];
}

interface GeneratedData {
  tool_type?: unknown;
  config?: {
    mcp_tool?: { schema_sha256?: unknown; name?: unknown; changed_sha256?: unknown; server?: unknown };
    rpc?: { sequence?: unknown };
  } & Record<string, unknown>;
}

function pinnedHash(data: GeneratedData | undefined): string | undefined {
  const h = data?.tool_type === "mcp_tool" ? data.config?.mcp_tool?.schema_sha256 : undefined;
  return typeof h === "string" ? h : undefined;
}

/** The arguments template of a generated tool's tools/call step (already literal where remote). */
function callArguments(data: GeneratedData): Record<string, unknown> {
  const steps = Array.isArray(data.config?.rpc?.sequence) ? (data.config.rpc.sequence as unknown[]) : [];
  const call = steps.find((s) => (s as { method?: unknown })?.method === "tools/call") as
    | { params?: { arguments?: unknown } }
    | undefined;
  const args = call?.params?.arguments;
  return typeof args === "object" && args !== null && !Array.isArray(args)
    ? (args as Record<string, unknown>)
    : {};
}

/**
 * A generated tool whose remote definition changed, kept on its approved pin (so every call stops at the
 * pinned tools/list with MCP_TOOLS_CHANGED) and marked with the hash the server now shows, so `kiwi
 * validate` reports it without asking the server. Its description, parameters and schema stay the
 * approved ones; its transport and call sequence are brought up to date (an older generated tool may
 * predate the pinned call).
 */
function markedChanged(options: {
  data: GeneratedData & Record<string, unknown>;
  server: McpServerSpec;
  pinned: string;
  seen: string;
  clientVersion: string;
}): string {
  const { data, server, pinned, seen, clientVersion } = options;
  const mcpTool = data.config?.mcp_tool ?? {};
  const name = String(mcpTool.name ?? "");
  const {
    url: _u,
    command: _c,
    args: _a,
    env_allow: _e,
    rpc: _r,
    mcp_tool: _m,
    mcp_server: _s,
    ...rest
  } = data.config ?? {};
  const config = {
    ...rest,
    ...transportConfig(server),
    mcp_server: server.name,
    mcp_tool: { ...mcpTool, server: server.name, schema_sha256: pinned, changed_sha256: seen },
    rpc: { sequence: callSequence({ name, args: callArguments(data), hash: pinned, clientVersion }) },
  };
  return stringify({ ...data, config }, { lineWidth: 0 });
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
 * `.ai/tools/mcp/<server>/`: new tools are created; a tool whose definition (name, description, input
 * schema) changed keeps its approved pin — every call checks the pin first, so it stays disabled — and is
 * marked changed until approved (`approve`, a person's act); tools that disappeared are removed. A
 * malformed remote tool, or one whose generated definition is refused, is skipped and reported; the others
 * are kept. Kiwi tokens never reach the server: the generated tools template only the model's arguments.
 */
export async function connectMcpServer(options: ConnectOptions): Promise<ConnectResult> {
  const { kernel, server, runRpc } = options;
  checkServerName(server.name);
  const clientVersion = options.clientVersion ?? "0.1.0";
  let results: unknown[];
  try {
    results = await runRpc(server, [
      initializeStep(clientVersion),
      { notify: "notifications/initialized" },
      { method: "tools/list", params: {}, pages: TOOLS_LIST_PAGES },
    ]);
  } catch (cause) {
    throw new KiwiError({
      code: "MCP_CONNECTION_FAILED",
      message: `could not list the tools of MCP server '${server.name}' (${isHttpServer(server) ? server.url : server.command}): ${(cause as Error).message}`,
      context: { server: server.name },
      cause,
    });
  }
  const listed = remoteToolsOf(results[1]);
  const skipped: SkippedTool[] = [...listed.skipped];
  const folder = serverFolder(server.name);
  const category = `mcp/${folder}`;
  const location = options.location ?? "project";
  const listedNames = Array.isArray((results[1] as { tools?: unknown } | undefined)?.tools)
    ? ((results[1] as { tools: unknown[] }).tools
        .map((t) => (t as { name?: unknown } | null)?.name)
        .filter((n): n is string => typeof n === "string") as string[])
    : [];
  // Ids come from the server and each remote name alone (never the list's order), from every listed name,
  // usable or not, so a tool that turns malformed keeps its id (and its file, disabled by its pin).
  const { ids, collisions } = uniqueIds(listedNames, options.prefix ?? `${folder}_`);
  const { id: configId } = serverConfigRef(server.name);
  const inventory = (await kernel.inventory()).filter((e) => e.itemType === "tool");
  const inFolder = (e: LibraryEntry) =>
    e.space.kind === location && e.category === category && e.id !== configId;
  // This server's own generated tools (the candidates for removal). A tool in the folder generated for
  // another server whose name maps to the same folder (`my-docs`, `my_docs`) is never touched.
  const existing = new Map(
    inventory.filter((e) => inFolder(e) && generatedFor(e) === server.name).map((e) => [e.id, e]),
  );
  const usable = new Set(listed.tools.map((t) => t.name));
  for (const name of listedNames) if (!usable.has(name)) existing.delete(ids.get(name) ?? "");
  const approve = options.approve ?? false;
  const out: ConnectResult = { server: server.name, category, tools: [], skipped };
  for (const tool of listed.tools) {
    const id = ids.get(tool.name);
    const clash =
      id === undefined
        ? `another remote tool of ${server.name} maps to the same id ${collisions.get(tool.name)}`
        : idTakenBy({ inventory, id, tool, server, location, category });
    if (id === undefined || clash) {
      // Skipped, not removed: a file this server generated under that id before stays as it is.
      existing.delete(id ?? collisions.get(tool.name) ?? "");
      skipped.push({
        remote: printableName(tool.name),
        index: -1,
        code: "MCP_TOOL_ID_COLLISION",
        message: `remote tool ${printableName(tool.name)}: ${clash}; skipped (nothing is overwritten or shadowed: rename or remove the other item, or connect the server under another --name)`,
      });
      continue;
    }
    existing.delete(id);
    try {
      const entry = await syncTool({
        kernel,
        server,
        tool,
        id,
        category,
        location,
        approve,
        clientVersion,
        requires: options.requires,
      });
      out.tools.push(entry);
    } catch (error) {
      if (!KiwiError.isInstance(error)) throw error;
      skipped.push({
        remote: printableName(tool.name),
        index: -1,
        code: error.code,
        message: `remote tool ${printableName(tool.name)}: ${error.message}; skipped`,
      });
    }
  }
  // Only what the connector generated for this very server is removed; anything else is never touched.
  for (const id of existing.keys()) {
    await must(
      kernel.execute(
        {
          item_type: "tool",
          action: "delete",
          item_id: `${category}/${id}`,
          parameters: { confirm: true, location },
        },
        PERSON,
      ),
      `removing ${id}`,
    );
    out.tools.push({ id, remote: "", status: "removed" });
  }
  return out;
}

/** The server a verified generated tool was made for (`config.mcp_tool.server`), or undefined. */
function generatedFor(entry: LibraryEntry): string | undefined {
  const data = entry.record?.parsed.data as GeneratedData | undefined;
  if (pinnedHash(data) === undefined) return undefined;
  const server = data?.config?.mcp_tool?.server ?? data?.config?.mcp_server;
  return typeof server === "string" ? server : undefined;
}

/**
 * Whether another item already holds the id a remote tool would get, in any space or category: a local
 * tool, another server's generated tool (two servers whose names map to one folder or prefix), or an
 * unverified file elsewhere. Each would shadow the other (or be overwritten), so the remote tool is
 * skipped and the collision reported. This server's own generated tool of that id, and the same remote
 * tool connected in the other space, are not collisions. Says what holds the id by path only.
 */
function idTakenBy(o: {
  inventory: readonly LibraryEntry[];
  id: string;
  tool: RemoteTool;
  server: McpServerSpec;
  location: "project" | "user";
  category: string;
}): string | undefined {
  for (const e of o.inventory) {
    if (e.id !== o.id) continue;
    const owner = generatedFor(e);
    const here = e.space.kind === o.location && e.category === o.category;
    // Ours: generated for this server here, or an unverified file here (an edited copy: reported as changed).
    if (here && (owner === o.server.name || (owner === undefined && !e.record))) continue;
    const data = e.record?.parsed.data as GeneratedData | undefined;
    const remote =
      typeof data?.config?.mcp_tool?.name === "string" ? unliteral(data.config.mcp_tool.name) : "";
    if (!here && owner === o.server.name && remote === o.tool.name) continue;
    return `its id ${o.id} is already taken by ${e.label}${owner ? ` (generated for MCP server ${owner})` : e.record ? "" : " (unverified)"}`;
  }
  return undefined;
}

/** Creates, refreshes, marks or (approved) updates the generated tool of one remote tool. */
async function syncTool(o: {
  kernel: Kernel;
  server: McpServerSpec;
  tool: RemoteTool;
  id: string;
  category: string;
  location: "project" | "user";
  approve: boolean | readonly string[];
  clientVersion: string;
  requires: readonly string[] | undefined;
}): Promise<ConnectResult["tools"][number]> {
  const { kernel, server, tool, id, category, location } = o;
  const hash = await schemaHash(tool);
  const content = generateToolYaml({
    id,
    tool,
    server,
    hash,
    requires: o.requires ?? ["mcp.connect"],
    clientVersion: o.clientVersion,
  });
  const ref = `${category}/${id}`;
  const write = (action: "create" | "update", text: string) =>
    must(
      kernel.execute(
        {
          item_type: "tool",
          action,
          item_id: action === "create" ? id : ref,
          parameters: { content: text, category, location },
        },
        PERSON,
      ),
      `${action === "create" ? "creating" : "updating"} ${id}`,
    );
  const base = { id, remote: tool.name, schema_sha256: hash };
  const loaded = await kernel.load({ item_type: "tool", item_id: ref, source: location });
  if (!loaded.success && loaded.error.code === "ITEM_NOT_FOUND") {
    await write("create", content);
    return { ...base, status: "created" };
  }
  const data = loaded.success ? (loaded.data as GeneratedData & Record<string, unknown>) : undefined;
  const pinned = pinnedHash(data);
  if (pinned === hash) {
    // Unchanged remotely. The file is rewritten only when Kiwi's side moved on (a re-approved command,
    // an older format, a change mark the server has since taken back).
    if (!loaded.success || loaded.content !== content) await write("update", content);
    return { ...base, status: "unchanged" };
  }
  const pin = pinned ? { pinned_sha256: pinned } : {};
  if (o.approve === true || (Array.isArray(o.approve) && o.approve.includes(id))) {
    await write("update", content);
    return { ...base, status: "updated", ...pin };
  }
  if (data && pinned && data.config?.mcp_tool?.changed_sha256 !== hash) {
    await write(
      "update",
      markedChanged({ data, server, pinned, seen: hash, clientVersion: o.clientVersion }),
    );
  }
  return { ...base, status: "changed", ...pin };
}
