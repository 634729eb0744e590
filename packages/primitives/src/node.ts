// Public API of @kiwi/primitives/node (the Node-only part), listed by name on purpose (no `export *`).

export type { NdjsonTransportOptions } from "./jsonrpc/ndjson-transport";
export { createNdjsonTransport, DEFAULT_MAX_JSONRPC_LINE_BYTES } from "./jsonrpc/ndjson-transport";
export { DEFAULT_ENV_ALLOW } from "./subprocess/subprocess-config";
export type { SubprocessPrimitiveOptions } from "./subprocess/subprocess-primitive";
export { createSubprocessPrimitive } from "./subprocess/subprocess-primitive";
