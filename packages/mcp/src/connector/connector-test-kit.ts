// Test helpers for the connector tests (never imported by the package entry).
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type Kernel, type MetaResult } from "@kiwi/kernel";
import { createHttpClientPrimitive } from "@kiwi/primitives";
import { createSubprocessPrimitive } from "@kiwi/primitives/node";
import type { AuthorizationRequest } from "@kiwi/spec";
import { tempProject } from "@kiwi/testing";
import { connectApprovedServer } from "./connect-approved-server";
import { createMcpConnectorPrimitive } from "./mcp-connector-primitive";
import type { McpServerSpec } from "./remote-tool";
import { approveServerConfig } from "./server-config";

export const REPO_AI = fileURLToPath(new URL("../../../../.ai/tools/mcp/", import.meta.url));
export const SCRIPTED = fileURLToPath(new URL("./__fixtures__/scripted-mcp-server.mjs", import.meta.url));
export const HOSTILE = fileURLToPath(new URL("./__fixtures__/hostile-mcp-server.mjs", import.meta.url));
export const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);

export interface ConnectorSetup {
  projectRoot: string;
  userSpace: string;
  kernel: Kernel;
  env: Record<string, string | undefined>;
  /** Every authorization request the kernel made (with `guard: "record"`). */
  requests: AuthorizationRequest[];
}

/**
 * A kernel with the connector primitive and the MCP client tools as shipped in the core bundle, signed
 * here by the test's own key. `guard: false` leaves capabilities out (tests about connecting), "record"
 * keeps them out but records what was asked, and true uses Kiwi's real capability guard.
 */
export async function connectorSetup(
  options: { env?: Record<string, string>; guard?: boolean | "record" } = {},
): Promise<ConnectorSetup> {
  const { projectRoot, userSpace } = await tempProject({ prefix: "kiwi-connect" });
  const env = { ...process.env, ...options.env };
  const requests: AuthorizationRequest[] = [];
  let kernel: Kernel | undefined;
  const connector = createMcpConnectorPrimitive({
    kernel: () => kernel!,
    subprocess: createSubprocessPrimitive({ env }),
    http: createHttpClientPrimitive(),
  });
  const guard = options.guard ?? false;
  kernel = await createKernel({
    projectRoot,
    userSpace,
    env,
    coreSpace: false,
    pluginSpaces: false,
    indexTtlMs: 0,
    primitives: [connector],
    ...(guard === false ? { guard: false as const } : {}),
    ...(guard === "record" ? { authorizer: (r: AuthorizationRequest) => void requests.push(r) } : {}),
  });
  for (const id of ["mcp_stdio", "mcp_http", "mcp_connect"]) {
    const content = await readFile(join(REPO_AI, `${id}.yaml`), "utf8");
    ok(
      // The test sets the project up as the person would; the kernel itself is not the person's
      // (no personAtTerminal), so the connector's own writes must say they act for the person.
      await kernel.execute(
        {
          item_type: "tool",
          action: "create",
          item_id: id,
          parameters: { content, category: "mcp" },
        },
        { asPerson: true },
      ),
    );
  }
  return { projectRoot, userSpace, kernel, env, requests };
}

export function ok(r: MetaResult): Record<string, unknown> {
  if (!r.success) throw new Error(JSON.stringify(r.error));
  return r;
}

/** The model-facing way: `mcp_connect` with the name of an approved server. */
export const runConnect = (
  kernel: Kernel,
  parameters: Record<string, unknown>,
  meta?: Record<string, unknown>,
) =>
  kernel.execute(
    { item_type: "tool", action: "run", item_id: "mcp_connect", parameters },
    meta ? { meta } : {},
  );

/** A person's way: approve the configuration (what `kiwi connect` writes), then connect through mcp_connect. */
export async function approveAndConnect(setup: ConnectorSetup, server: McpServerSpec): Promise<MetaResult> {
  await approveServerConfig({ kernel: setup.kernel, server });
  return runConnect(setup.kernel, { name: server.name });
}

/** A person approving changed remote tools (`kiwi connect --name … --approve`). */
export const personApproves = (setup: ConnectorSetup, name: string) =>
  connectApprovedServer({ kernel: setup.kernel, name, env: setup.env, approve: true });

export function toolsOf(r: MetaResult) {
  return (ok(r).result as { tools: { id: string; remote: string; status: string }[] }).tools;
}

/** The text a generated tool got back from tools/call. */
export function answer(r: MetaResult): string {
  const responses = (ok(r).result as { responses: { result: { content: { text: string }[] } }[] }).responses;
  return responses.at(-1)!.result.content[0]!.text;
}

export const runTool = (kernel: Kernel, id: string, parameters: Record<string, unknown> = {}) =>
  kernel.execute({ item_type: "tool", action: "run", item_id: id, parameters });

/** A scripted SDK server's tool list in a file, changeable between connects and calls; and its call log. */
export async function scripted(tools: unknown[]) {
  const base = (await tempProject({ prefix: "kiwi-scripted" })).base;
  const file = join(base, "tools.json");
  const log = join(base, "calls.log");
  await writeFile(file, JSON.stringify(tools));
  return {
    file,
    log,
    args: [SCRIPTED, file, log],
    set: (next: unknown[]) => writeFile(file, JSON.stringify(next)),
    calls: async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean),
  };
}

export const remoteTool = (
  name: string,
  description = "d",
  props: Record<string, unknown> = { q: { type: "string" } },
) => ({
  name,
  description,
  inputSchema: { type: "object", properties: props, required: Object.keys(props) },
});
