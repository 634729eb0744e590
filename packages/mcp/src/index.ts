// Public API of @kiwi/mcp, listed by name on purpose (no `export *`): what is not here is internal.

export type {
  ConnectOptions,
  ConnectResult,
  RpcRunner,
  RpcStep,
  ToolStatus,
} from "./connector/connect-mcp-server";
export { connectMcpServer } from "./connector/connect-mcp-server";
export { createMcpConnectorPrimitive } from "./connector/mcp-connector-primitive";
export type { RemoteTool, StdioServer } from "./connector/remote-tool";
export { sanitizeToolName } from "./connector/sanitize-tool-name";
export { stdioRpcRunner } from "./connector/stdio-rpc-runner";
export { createMcpKernel } from "./create-mcp-kernel";
export type { KiwiMcpServerOptions } from "./create-server";
export { createKiwiMcpServer } from "./create-server";
export type { ServeStdioOptions, StdioServerHandle } from "./serve-stdio";
export { serveStdio } from "./serve-stdio";
