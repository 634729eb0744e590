// Public API of @kiwi/primitives/node (the Node-only part), listed by name on purpose (no `export *`).

export { DEFAULT_ENV_ALLOW } from "./subprocess/subprocess-config";
export type { SubprocessPrimitiveOptions } from "./subprocess/subprocess-primitive";
export { createSubprocessPrimitive } from "./subprocess/subprocess-primitive";
