import { createKernel, type Kernel, type KernelOptions } from "@kiwi/kernel";
import { createHttpClientPrimitive } from "@kiwi/primitives";
import { createSubprocessPrimitive } from "@kiwi/primitives/node";
import { createMcpConnectorPrimitive } from "./connector/mcp-connector-primitive";

/**
 * A kernel with the MCP connector registered: the `mcp_connector` primitive behind the `mcp_connect` tool
 * writes generated tools through the very kernel it runs in, so it is handed that kernel lazily.
 */
export async function createMcpKernel(options: KernelOptions): Promise<Kernel> {
  let kernel: Kernel | undefined;
  const connector = createMcpConnectorPrimitive({
    kernel: () => kernel!,
    subprocess: createSubprocessPrimitive({ env: options.env ?? process.env }),
    http: createHttpClientPrimitive(),
  });
  kernel = await createKernel({ ...options, primitives: [...(options.primitives ?? []), connector] });
  return kernel;
}
