// Public API of @kiwi/primitives (runtime-neutral part), listed by name on purpose (no `export *`).
// Node-only primitives (subprocess) are exported from "@kiwi/primitives/node". The JSON-RPC framing, the
// SSE parser and the NDJSON transport are internals of the two primitives, not public API; `pinDigest` is
// public because whoever writes an rpc step's `pin` must compute the same hash (the MCP connector does).

export type { HttpClientOptions } from "./http/http-client-primitive";
export { createHttpClientPrimitive } from "./http/http-client-primitive";
export type { RpcPin } from "./jsonrpc/rpc-pin";
export { pinDigest } from "./jsonrpc/rpc-pin";
