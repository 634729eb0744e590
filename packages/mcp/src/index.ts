// Public API of @kiwi/mcp, listed by name on purpose (no `export *`): what is not here is internal.

export { connectApprovedServer } from "./connector/connect-approved-server";
export type {
  ConnectOptions,
  ConnectResult,
  RpcRunner,
  RpcStep,
  ToolStatus,
} from "./connector/connect-mcp-server";
export { connectMcpServer } from "./connector/connect-mcp-server";
export { createMcpConnectorPrimitive } from "./connector/mcp-connector-primitive";
export type {
  HttpServer,
  McpServerSpec,
  RemoteTool,
  SkippedTool,
  StdioServer,
} from "./connector/remote-tool";
export { sanitizeToolName } from "./connector/sanitize-tool-name";
export {
  approveServerConfig,
  describeServer,
  readApprovedServer,
  serverConfigRef,
} from "./connector/server-config";
export { stdioRpcRunner } from "./connector/stdio-rpc-runner";
export { createMcpKernel } from "./create-mcp-kernel";
export type { KiwiMcpServerOptions } from "./create-server";
export { createKiwiMcpServer } from "./create-server";
export type { ServeStdioOptions, StdioServerHandle } from "./serve-stdio";
export { serveStdio } from "./serve-stdio";
