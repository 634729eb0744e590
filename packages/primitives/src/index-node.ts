// Public API of @kiwi/primitives as Node resolves it (the "node" export condition), listed by name on
// purpose (no `export *`): the same names as index.ts, with an http_client whose default transport is
// node:http/node:https with keep-alive agents instead of fetch (about 4× less per call). Bundlers for
// other runtimes resolve index.ts, which imports no `node:` module.

export type { HttpClientOptions } from "./http/http-client-primitive";
export { createHttpClientPrimitive } from "./http/node-http-client-primitive";
export type { RpcPin } from "./jsonrpc/rpc-pin";
export { pinDigest } from "./jsonrpc/rpc-pin";
