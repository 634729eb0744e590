// Public API of @kiwi/mcp, listed by name on purpose (no `export *`): what is not here is internal.

export type { KiwiMcpServerOptions } from "./create-server";
export { createKiwiMcpServer } from "./create-server";
export type { CliCommand } from "./parse-args";
export { parseCliArgs } from "./parse-args";
export type { ServeStdioOptions, StdioServerHandle } from "./serve-stdio";
export { serveStdio } from "./serve-stdio";
