import type { Kernel } from "@kiwi/kernel";
import { KiwiError } from "@kiwi/spec";
import { stringify } from "yaml";
import { literal, unliteral } from "./generate-tool-yaml";
import { isHttpServer, type McpServerSpec } from "./remote-tool";

/** Server names: lowercase, a folder name and the prefix of the server's tools. */
export const SERVER_NAME = /^[a-z][a-z0-9_-]{0,40}$/;

/** Throws INVALID_INPUT unless `name` is a server name. */
export function checkServerName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !SERVER_NAME.test(name)) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `MCP server name '${String(name).slice(0, 60)}' must be lowercase letters, digits, - or _ (it names a folder)`,
      context: { field: "server.name" },
    });
  }
}

/** The folder of a server's tools (`.ai/tools/mcp/<folder>/`): its name with `-` as `_`. */
export function serverFolder(name: string): string {
  return name.replace(/-/g, "_");
}

/**
 * Where a server's approved configuration lives: `.ai/tools/mcp/<folder>/mcp_server_<folder>.yaml`, next
 * to the tools generated from it. The id never collides with a generated tool (those are `<folder>_…`).
 */
export function serverConfigRef(name: string): { category: string; id: string; ref: string } {
  const folder = serverFolder(name);
  const category = `mcp/${folder}`;
  const id = `mcp_server_${folder}`;
  return { category, id, ref: `${category}/${id}` };
}

/** How the server is shown to a person: the exact command line or URL, nothing cut. */
export function describeServer(server: McpServerSpec): string {
  return isHttpServer(server)
    ? `Streamable HTTP ${server.url}`
    : `stdio ${[server.command, ...(server.args ?? [])].map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(" ")}`;
}

/**
 * The signed tool a person's approval writes. Running it (or `mcp_connect` with the server's name)
 * refreshes the server's generated tools; the connector reads the command, arguments, environment names
 * or URL from here and nowhere else.
 */
export function serverConfigYaml(server: McpServerSpec): string {
  const { id } = serverConfigRef(server.name);
  const target = isHttpServer(server)
    ? { url: literal(server.url) }
    : {
        command: literal(server.command),
        args: (server.args ?? []).map(literal),
        ...(server.envAllow?.length ? { env_allow: [...server.envAllow] } : {}),
      };
  return stringify(
    {
      tool_id: id,
      tool_type: "mcp_server",
      version: "1.0.0",
      description: literal(
        `The MCP server ${server.name} as a person approved it with kiwi connect (${describeServer(server)}). Running it refreshes the server's tools in .ai/tools/mcp/${serverFolder(server.name)}/.`,
      ),
      executor_id: "mcp_connect",
      requires: ["mcp.connect"],
      parameters: [
        {
          name: "name",
          type: "string",
          default: server.name,
          description: "The server (fixed: this configuration names it).",
        },
      ],
      config: { mcp_server: server.name, server: { name: server.name, ...target } },
    },
    { lineWidth: 0 },
  );
}

/**
 * Records a person's approval of a server configuration: creates or updates its signed item (through
 * the kernel, so it is validated and signed with the user's key). Only a person at their own CLI (or
 * their own code) calls this; the model-facing `mcp_connect` tool can only name a configuration.
 */
export async function approveServerConfig(options: {
  kernel: Kernel;
  server: McpServerSpec;
  location?: "project" | "user";
}): Promise<"created" | "updated" | "unchanged"> {
  const { kernel, server } = options;
  checkServerName(server.name);
  const location = options.location ?? "project";
  const { category, id, ref } = serverConfigRef(server.name);
  const content = serverConfigYaml(server);
  const current = await kernel.load({ item_type: "tool", item_id: ref, source: location });
  // Two server names that map to one folder (`my-docs`, `my_docs`) would share its configuration and
  // every tool id: the second is refused, never written over the first.
  for (const source of ["project", "user"] as const) {
    const held =
      source === location ? current : await kernel.load({ item_type: "tool", item_id: ref, source });
    const other = held.success
      ? (held.data as { config?: { server?: { name?: unknown } } }).config?.server?.name
      : undefined;
    if (typeof other === "string" && other !== server.name) {
      throw new KiwiError({
        code: "MCP_TOOL_ID_COLLISION",
        message: `MCP server '${server.name}' would use the folder and tool ids of the approved server '${other}' (${source}:tools/${category}/): approve it under another --name`,
        context: { server: server.name, other, folder: category },
      });
    }
  }
  if (current.success && current.content === content) return "unchanged";
  const exists = current.success || current.error.code !== "ITEM_NOT_FOUND";
  // The person's approval, written with their key whoever holds this kernel (asPerson).
  const written = await kernel.execute(
    {
      item_type: "tool",
      action: exists ? "update" : "create",
      item_id: exists ? ref : id,
      parameters: { content, category, location },
    },
    { asPerson: true },
  );
  if (!written.success) {
    throw new KiwiError({
      code: written.error.code,
      message: `approving MCP server ${server.name}: ${written.error.message}`,
      context: { server: server.name },
    });
  }
  return exists ? "updated" : "created";
}

function notApproved(name: string, why: string): KiwiError {
  return new KiwiError({
    code: "MCP_SERVER_NOT_APPROVED",
    message: `MCP server '${name}' ${why}: a person approves a server with kiwi connect <command…|url> --name ${name} (the model can only name approved servers)`,
    context: { server: name },
  });
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

/**
 * The configuration a person approved for `name`: read through the kernel (verified), and only from the
 * project or user space and signed with the user's own key. Anything else is MCP_SERVER_NOT_APPROVED.
 */
export async function readApprovedServer(kernel: Kernel, name: string): Promise<McpServerSpec> {
  checkServerName(name);
  const { ref } = serverConfigRef(name);
  const loaded = await kernel.load({ item_type: "tool", item_id: ref });
  if (!loaded.success) {
    if (loaded.error.code === "ITEM_NOT_FOUND") throw notApproved(name, "has no approved configuration");
    if (loaded.error.code === "INTEGRITY_MISMATCH")
      throw notApproved(
        name,
        "has a configuration that is not signed by a trusted key (edited after approval?)",
      );
    throw new KiwiError({
      code: loaded.error.code,
      message: loaded.error.message,
      context: { server: name },
    });
  }
  const signer = (loaded.signature as { signer?: unknown } | undefined)?.signer;
  if ((loaded.space !== "project" && loaded.space !== "user") || signer !== "user") {
    throw notApproved(
      name,
      `has a configuration from ${String(loaded.space)} signed by ${String(signer)}, not one you signed`,
    );
  }
  const data = loaded.data as { tool_type?: unknown; config?: { server?: Record<string, unknown> } };
  const server = data.config?.server;
  if (data.tool_type !== "mcp_server" || !server || server.name !== name) {
    throw notApproved(name, "has a configuration that is not an mcp_server for this name");
  }
  if (typeof server.url === "string" && server.command === undefined) {
    return { name, url: unliteral(server.url) };
  }
  const args = server.args === undefined ? [] : strings(server.args);
  const envAllow = server.env_allow === undefined ? [] : strings(server.env_allow);
  if (typeof server.command !== "string" || !args || !envAllow) {
    throw notApproved(name, "has a configuration without a command and argument list or a url");
  }
  return {
    name,
    command: unliteral(server.command),
    args: args.map(unliteral),
    ...(envAllow.length ? { envAllow } : {}),
  };
}
