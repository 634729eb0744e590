import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";
import type { RpcRunner } from "./connect-mcp-server";
import { isHttpServer } from "./remote-tool";

/** The header MCP's Streamable HTTP transport carries its session in. */
export const MCP_SESSION_HEADER = "mcp-session-id";

/**
 * Runs a JSON-RPC sequence against an MCP server over Streamable HTTP through the http_client primitive's
 * rpc mode (one POST per message, the session header carried along, no redirects off the origin).
 */
export function httpRpcRunner(options: {
  http: PrimitiveV1;
  projectRoot: string;
  timeoutMs?: number;
}): RpcRunner {
  return async (server, sequence) => {
    if (!isHttpServer(server)) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `${server.name} is a stdio server: use stdioRpcRunner`,
        context: { server: server.name },
      });
    }
    const result = await options.http.run({
      config: {
        url: server.url,
        timeout_ms: options.timeoutMs ?? 60_000,
        rpc: { sequence, session_header: MCP_SESSION_HEADER },
      },
      params: {},
      context: {
        projectRoot: options.projectRoot,
        toolId: "mcp_connect",
        chain: ["mcp_connect", "http_client"],
        meta: {},
      },
    });
    if (!result.success) {
      const error = result.error as { code?: string; message?: string } | undefined;
      throw new KiwiError({
        code: "MCP_CONNECTION_FAILED",
        message: `${error?.code ?? "FAILED"}: ${error?.message ?? "the server did not answer"}`,
        context: { server: server.name },
      });
    }
    return ((result.responses ?? []) as { result?: unknown }[]).map((r) => r.result);
  };
}
