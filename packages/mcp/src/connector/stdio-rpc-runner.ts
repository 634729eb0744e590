import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";
import type { RpcRunner } from "./connect-mcp-server";
import { isHttpServer } from "./remote-tool";

/**
 * Runs a JSON-RPC sequence against a stdio MCP server through the subprocess primitive's rpc mode (no
 * shell, environment allow-list, process-group kill on timeout). Kiwi's metadata is never passed on.
 */
export function stdioRpcRunner(options: {
  subprocess: PrimitiveV1;
  projectRoot: string;
  timeoutMs?: number;
}): RpcRunner {
  return async (server, sequence) => {
    if (isHttpServer(server)) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `${server.name} is an HTTP server: use httpRpcRunner`,
        context: { server: server.name },
      });
    }
    const result = await options.subprocess.run({
      config: {
        command: server.command,
        args: server.args ?? [],
        ...(server.envAllow?.length ? { env_allow: server.envAllow } : {}),
        timeout_ms: options.timeoutMs ?? 60_000,
        rpc: { sequence },
      },
      params: {},
      context: {
        projectRoot: options.projectRoot,
        toolId: "mcp_connect",
        chain: ["mcp_connect", "subprocess"],
        meta: {},
      },
    });
    const responses = (result.responses ?? []) as {
      result?: unknown;
      error?: { code: number; message: string };
    }[];
    if (!result.success) {
      const error = result.error as { code?: string; message?: string } | undefined;
      throw new KiwiError({
        code: "MCP_CONNECTION_FAILED",
        message: `${error?.code ?? "FAILED"}: ${error?.message ?? "the server did not answer"}${result.stderr ? ` (stderr: ${String(result.stderr).slice(0, 300)})` : ""}`,
        context: { server: server.name },
      });
    }
    return responses.map((r) => r.result);
  };
}
