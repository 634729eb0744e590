// Public API of @kiwi/threads-postgres, listed by name on purpose (no `export *`): what is not here is internal.

export type { PostgresThreadStoreOptions } from "./postgres-thread-store";
export { PostgresThreadStore } from "./postgres-thread-store";
export { POSTGRES_SCHEMA_VERSION } from "./schema";
