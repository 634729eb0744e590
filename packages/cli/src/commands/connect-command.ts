import { basename } from "node:path";
import { parseArgs } from "node:util";
import {
  approveServerConfig,
  type ConnectResult,
  connectApprovedServer,
  describeServer,
  type McpServerSpec,
  readApprovedServer,
  serverConfigRef,
} from "@kiwi/mcp";
import { KiwiError } from "@kiwi/spec";
import { EXIT, UsageError } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import { type Io, print, printError, printJson } from "../io";
import { inert } from "../thread-display/inert";

/** Programs that run another program named by their first argument: the server is named after that. */
const RUNNERS = new Set([
  "node",
  "npx",
  "pnpx",
  "bunx",
  "bun",
  "deno",
  "uvx",
  "uv",
  "python",
  "python3",
  "pnpm",
  "yarn",
]);

/** Splits `"npx -y @scope/server --flag 'a b'"` into argv: spaces separate, quotes group, no expansion. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | undefined;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(current);
      current = "";
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new UsageError(`unbalanced ${quote} in the server command`);
  if (started) out.push(current);
  return out;
}

/** A server name the connector accepts (`^[a-z][a-z0-9_-]{0,40}$`), from the URL or the command. */
export function serverNameFor(target: { url?: string; command?: string; args?: readonly string[] }): string {
  let raw: string;
  if (target.url) raw = new URL(target.url).hostname.split(".")[0] ?? "mcp";
  else {
    const command = basename(target.command ?? "mcp").replace(/\.(exe|cmd)$/i, "");
    const named = RUNNERS.has(command)
      ? (target.args ?? []).find((a) => !a.startsWith("-") && !["run", "exec", "dlx", "x"].includes(a))
      : undefined;
    const base = named ? (named.split("/").filter(Boolean).at(-1) ?? named) : command;
    raw = base.replace(/@[^@]*$/, "").replace(/\.(m?js|cjs|ts|py)$/, "");
    if (raw === "index" || raw === "main" || raw === "server") {
      raw = named?.split("/").filter(Boolean).at(-3) ?? raw; // …/server-x/dist/index.js → server-x
    }
  }
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 41);
  return name || "mcp";
}

const SIGNS: Record<ConnectResult["tools"][number]["status"], string> = {
  created: "+",
  unchanged: "=",
  changed: "~",
  updated: "↻",
  removed: "-",
};

/**
 * kiwi connect <server command…|url> [--name n] [--env NAME]… [--approve] [--json] — a person's approval
 * of an MCP server: writes its configuration (command, arguments, environment names or URL) as a signed
 * item in `.ai/tools/mcp/<name>/`, then connects (initialize + tools/list) and lists the signed tools it
 * generated. `kiwi connect --name n [--approve]` reconnects to the configuration already approved. The
 * model-facing `mcp_connect` tool can only name an approved configuration and never approves changed
 * remote tools: `--approve` here is the only way a changed tool is enabled again.
 */
export async function connectCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      name: { type: "string" },
      env: { type: "string", multiple: true, default: [] },
      approve: { type: "boolean", default: false },
    },
  });
  if (positionals.length === 0 && values.name === undefined) {
    throw new UsageError(
      "kiwi connect <server command…|http(s) url> [--name n] — e.g. kiwi connect --name files -- npx -y @modelcontextprotocol/server-filesystem .\n       kiwi connect --name n [--approve] reconnects to a server you approved before",
    );
  }
  let target: { url: string } | { command: string; args: string[] } | undefined;
  if (positionals.length) {
    const argv = positionals.length === 1 ? splitCommandLine(positionals[0]!) : positionals;
    if (argv.length === 0) throw new UsageError("the server command is empty");
    const isUrl = /^https?:\/\//i.test(argv[0]!);
    if (isUrl && argv.length > 1) throw new UsageError("a server URL takes no arguments");
    if (isUrl && values.env.length) throw new UsageError("--env applies to a server command, not a URL");
    target = isUrl ? { url: argv[0]! } : { command: argv[0]!, args: argv.slice(1) };
  } else if (values.env.length) {
    throw new UsageError("--env goes with the server command it applies to");
  }
  const name = values.name ?? serverNameFor(target!);

  const kernel = await kernelFrom(values, io);
  let approval: string | undefined;
  let connected: ConnectResult;
  let server: McpServerSpec;
  try {
    if (target) {
      server = { name, ...target, ...(values.env.length ? { envAllow: values.env } : {}) };
      approval = await approveServerConfig({ kernel, server });
    } else {
      server = await readApprovedServer(kernel, name);
    }
    connected = await connectApprovedServer({ kernel, name, env: { ...io.env }, approve: values.approve });
  } catch (error) {
    if (!KiwiError.isInstance(error)) throw error;
    if (values.json) printJson(io, { success: false, error: error.toJSON() });
    else printError(io, `error ${error.code}: ${inert(error.message)}`);
    return EXIT.failed;
  }
  const descriptions = new Map(
    (await kernel.inventory())
      .filter((e) => e.itemType === "tool" && e.space.kind === "project" && e.category === connected.category)
      .map((e) => [e.id, e.description]),
  );
  const tools = connected.tools.map((t) => ({ ...t, description: descriptions.get(t.id) ?? "" }));
  if (values.json) {
    printJson(io, {
      success: true,
      server: connected.server,
      category: connected.category,
      configuration: { id: serverConfigRef(name).ref, status: approval ?? "unchanged" },
      tools,
      skipped: connected.skipped,
    });
    return EXIT.ok;
  }
  const isUrl = "url" in server;
  const via = "url" in server ? server.url : [server.command, ...(server.args ?? [])].join(" ");
  const live = tools.filter((t) => t.status !== "removed");
  print(io, `connected to ${name} (${isUrl ? "Streamable HTTP" : "stdio"}: ${inert(via)})`);
  if (approval && approval !== "unchanged") {
    print(
      io,
      `approved configuration ${approval}: ${serverConfigRef(name).ref} (${inert(describeServer(server))})`,
    );
  }
  print(
    io,
    `${live.length} tools in ${kernel.projectRoot}/.ai/tools/${connected.category}/, each signed with your key:`,
  );
  const width = Math.max(...tools.map((t) => t.id.length), 4);
  for (const t of tools) {
    const description = inert(t.description.replace(/\s+/g, " ").trim());
    print(
      io,
      `  ${SIGNS[t.status]} ${t.id.padEnd(width)}  ${description.length > 90 ? `${description.slice(0, 89)}…` : description}`,
    );
  }
  const changed = tools.filter((t) => t.status === "changed");
  print(io, "  (+ created, = unchanged, ~ changed on the server, ↻ updated, - removed)");
  for (const s of connected.skipped) print(io, `  ! ${inert(s.message)} (${s.code})`);
  if (changed.length) {
    print(
      io,
      `${changed.length} tool definitions changed on the server: they stay disabled (calls are refused with MCP_TOOLS_CHANGED) until you review them and run kiwi connect --name ${name} --approve`,
    );
  }
  print(
    io,
    `A directive uses them with <execute resource="tool" id="${connected.category.split("/").at(-1)}_*"/> and <execute resource="mcp" id="${name}"/> (they require mcp.connect).`,
  );
  return EXIT.ok;
}
