export {
  EventQueue,
  type EventQueueOptions,
  isBusy,
  MAX_BACKGROUND_RETRIES,
  type QueuedEvent,
} from "./event-queue";
export {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportOptions,
  exportRegistry,
  type RegistryExport,
} from "./export-registry";
export type { Checkpoint, ThreadEvent, ThreadRow } from "./rows";
export { MIGRATIONS, type Migration, REGISTRY_SCHEMA_VERSION } from "./schema";
export { ACTIVE_STATUSES, isTerminal, isThreadStatus, THREAD_STATUSES, type ThreadStatus } from "./statuses";
export {
  type CheckpointInput,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_QUERY_LIMIT,
  type EventQuery,
  type IsAlive,
  isProcessAlive,
  MAX_QUERY_LIMIT,
  type RegisterThreadInput,
  type ThreadQuery,
  ThreadRegistry,
  type ThreadRegistryOptions,
  type UpdateStatusOptions,
} from "./thread-registry";
