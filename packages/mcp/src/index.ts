// Public API of @kiwi/mcp, listed by name on purpose (no `export *`): what is not here is internal.
export { createKiwiMcpServer } from "./create-server";
export type { KiwiMcpServerOptions } from "./create-server";
export { serveStdio } from "./serve-stdio";
export type { ServeStdioOptions, StdioServerHandle } from "./serve-stdio";
export { parseCliArgs } from "./parse-args";
export type { CliCommand } from "./parse-args";
