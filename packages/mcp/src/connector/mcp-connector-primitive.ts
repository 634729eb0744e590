import type { Kernel } from "@kiwi/kernel";
import { DEFAULT_ENV_ALLOW } from "@kiwi/primitives/node";
import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";
import { connectMcpServer } from "./connect-mcp-server";
import { httpRpcRunner } from "./http-rpc-runner";
import { stdioRpcRunner } from "./stdio-rpc-runner";

function strings(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `${field} must be a list of strings`,
      context: { field },
    });
  }
  return value;
}

/**
 * The `mcp_connector` primitive behind the `mcp_connect` tool: connects to a stdio or HTTP MCP server and
 * maintains its generated tools through the kernel (so every generated file is validated and signed).
 * It needs the kernel it runs in, given lazily because the kernel is created with its primitives.
 */
export function createMcpConnectorPrimitive(options: {
  kernel: () => Kernel;
  subprocess: PrimitiveV1;
  http: PrimitiveV1;
}): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "mcp_connector",
    description: "Connects to an MCP server and writes one signed Kiwi tool per remote tool.",
    async run({ config, context }) {
      const server = (config.server ?? {}) as Record<string, unknown>;
      if (
        typeof server.name !== "string" ||
        (typeof server.command !== "string") === (typeof server.url !== "string")
      ) {
        throw new KiwiError({
          code: "INVALID_INPUT",
          message: "config.server needs a name and exactly one of command (stdio) or url (Streamable HTTP)",
          context: { field: "config.server" },
        });
      }
      const common = { kernel: options.kernel(), approve: config.approve === true };
      if (typeof server.url === "string") {
        const result = await connectMcpServer({
          ...common,
          server: { name: server.name, url: server.url },
          runRpc: httpRpcRunner({ http: options.http, projectRoot: context.projectRoot }),
        });
        return { success: true, ...result };
      }
      const envAllow = strings(server.env_allow, "server.env_allow");
      const stdio = {
        name: server.name,
        command: server.command as string,
        args: strings(server.args, "server.args"),
        // env_allow replaces the subprocess default, so keep the default names and add the requested ones.
        ...(envAllow.length ? { envAllow: [...DEFAULT_ENV_ALLOW, ...envAllow] } : {}),
      };
      const result = await connectMcpServer({
        ...common,
        server: stdio,
        runRpc: stdioRpcRunner({ subprocess: options.subprocess, projectRoot: context.projectRoot }),
      });
      return { success: true, ...result };
    },
  };
}
