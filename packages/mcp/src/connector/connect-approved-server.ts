import type { Kernel } from "@kiwi/kernel";
import { createHttpClientPrimitive } from "@kiwi/primitives";
import { createSubprocessPrimitive, DEFAULT_ENV_ALLOW } from "@kiwi/primitives/node";
import type { PrimitiveV1 } from "@kiwi/spec";
import { type ConnectResult, connectMcpServer } from "./connect-mcp-server";
import { httpRpcRunner } from "./http-rpc-runner";
import { isHttpServer } from "./remote-tool";
import { readApprovedServer } from "./server-config";
import { stdioRpcRunner } from "./stdio-rpc-runner";

/**
 * Connects to the server a person approved under `name` (its signed configuration, see
 * `approveServerConfig`) and keeps its generated tools. `approve` accepts changed remote definitions: only
 * a person sets it (`kiwi connect … --approve`); the `mcp_connect` tool never does.
 */
export async function connectApprovedServer(options: {
  kernel: Kernel;
  name: string;
  /** Default: a subprocess primitive over `env`. */
  subprocess?: PrimitiveV1;
  /** Default: the http_client primitive. */
  http?: PrimitiveV1;
  /** The environment the server's allow-list picks from when `subprocess` is not given (default process.env). */
  env?: Record<string, string | undefined>;
  approve?: boolean | readonly string[];
  location?: "project" | "user";
}): Promise<ConnectResult> {
  const { kernel } = options;
  const approved = await readApprovedServer(kernel, options.name);
  const projectRoot = kernel.projectRoot;
  const common = {
    kernel,
    ...(options.approve !== undefined ? { approve: options.approve } : {}),
    ...(options.location ? { location: options.location } : {}),
  };
  if (isHttpServer(approved)) {
    return connectMcpServer({
      ...common,
      server: approved,
      runRpc: httpRpcRunner({ http: options.http ?? createHttpClientPrimitive(), projectRoot }),
    });
  }
  // The configuration names only the extra variables; the subprocess default allow-list stays.
  const server = approved.envAllow?.length
    ? { ...approved, envAllow: [...DEFAULT_ENV_ALLOW, ...approved.envAllow] }
    : approved;
  return connectMcpServer({
    ...common,
    server,
    runRpc: stdioRpcRunner({
      subprocess: options.subprocess ?? createSubprocessPrimitive({ env: options.env ?? process.env }),
      projectRoot,
    }),
  });
}
