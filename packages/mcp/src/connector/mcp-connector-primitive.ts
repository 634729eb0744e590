import type { Kernel } from "@kiwi/kernel";
import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";
import { connectApprovedServer } from "./connect-approved-server";

/**
 * The `mcp_connector` primitive behind the `mcp_connect` tool: refreshes the generated tools of a server a
 * person approved, named by `config.mcp_server`. Nothing else in the call decides what runs: the command,
 * arguments, environment names or URL come from the approved configuration, and changed remote tools are
 * never approved here (a person approves them with `kiwi connect … --approve`). Every generated file is
 * written through the kernel, so it is validated and signed; the kernel is given lazily because it is
 * created with its primitives.
 */
export function createMcpConnectorPrimitive(options: {
  kernel: () => Kernel;
  subprocess: PrimitiveV1;
  http: PrimitiveV1;
}): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "mcp_connector",
    description:
      "Refreshes the tools of an MCP server a person approved (kiwi connect): one signed Kiwi tool per remote tool.",
    async run({ config }) {
      const name = config.mcp_server;
      if (typeof name !== "string" || name === "") {
        throw new KiwiError({
          code: "INVALID_INPUT",
          message:
            "mcp_connect needs the name of a server a person approved (config.mcp_server); a command or URL is never taken from a call",
          context: { field: "config.mcp_server" },
        });
      }
      const result = await connectApprovedServer({
        kernel: options.kernel(),
        name,
        subprocess: options.subprocess,
        http: options.http,
      });
      return { success: true, ...result };
    },
  };
}
