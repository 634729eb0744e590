// Public API of @kiwi/threads, listed by name on purpose (no `export *`): what is not here is internal.

export type { BudgetRoom, RoomBound, TreeLimits, TreeLimitsRecord, TreeSpend } from "./budget-tree";
export { BudgetNode, reserve, reservedPart } from "./budget-tree";
export type { Decision } from "./live-thread";
export { canonicalJson } from "./registry/canonical-json";
export type { ExportedStep, ExportOptions, RegistryExport } from "./registry/export-registry";
export {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  exportRegistry,
  exportStore,
} from "./registry/export-registry";
export type {
  JournalIntent,
  JournalOutcome,
  JournalStart,
  JournalStep,
  PendingDecision,
  ThreadJournalOptions,
} from "./registry/journal";
export {
  JOURNAL_FORMAT_VERSION,
  readJournal,
  requestHash,
  skippedResult,
  ThreadJournal,
} from "./registry/journal";
export type { Checkpoint, ThreadEvent, ThreadRow } from "./registry/rows";
export { REGISTRY_SCHEMA_VERSION } from "./registry/schema";
export type { ThreadStatus } from "./registry/statuses";
export {
  ACTIVE_STATUSES,
  isTerminal,
  isThreadStatus,
  TERMINAL_STATUSES,
  THREAD_STATUSES,
} from "./registry/statuses";
export type {
  CheckpointInput,
  EventQuery,
  IsAlive,
  RawJournalStep,
  RegisterThreadInput,
  ThreadOwner,
  ThreadQuery,
  ThreadRegistryOptions,
  UpdateStatusOptions,
} from "./registry/thread-registry";
export {
  BOOT_ID,
  DEFAULT_LEASE_MS,
  isProcessAlive,
  ownerGone,
  ThreadRegistry,
} from "./registry/thread-registry";
// For ThreadStore implementations (`@kiwi/threads-postgres`): the checks and errors every store applies alike.
export type { CheckedRegistration } from "./store/store-rules";
export {
  assertStatusChange,
  checkEvent,
  checkFence,
  checkLease,
  checkLeaseOptions,
  checkQuery,
  checkRegistration,
  checkStatus,
  checkTtl,
  controlNotFound,
  controlNotTaken,
  controlOutcomeJson,
  controlRecordOf,
  leaseHeld,
  leaseLost,
  MAX_LEASE_OWNER_LENGTH,
  MAX_LEASE_TTL_MS,
  stepNotOpen,
  threadFinished,
  threadIdTaken,
  threadNotFound,
} from "./store/store-rules";
export type {
  AcquireLeaseOptions,
  Awaitable,
  ControlOutcome,
  ControlRecord,
  ControlRequest,
  Fence,
  StepIntentRow,
  ThreadLease,
  ThreadStore,
  ThreadStoreSnapshot,
} from "./store/thread-store";
export { MAX_THREAD_ID_LENGTH, sanitizeThreadId, threadIdFor, validateThreadId } from "./thread-id";
export type {
  ControlAction,
  ControlResult,
  ResumeInPlaceRequest,
  ResumeInPlaceResult,
  SpawnRequest,
  SpawnResult,
  StatusChange,
  ThreadHandle,
  ThreadManagerOptions,
  WaitOptions,
} from "./thread-manager";
export { ThreadManager } from "./thread-manager";
export type { ThreadResult, ThreadUsage } from "./thread-result";
export { threadResultOf, threadUsageOf } from "./thread-result";
export type { SpawnDirectiveRequest, ThreadsPrimitiveOptions } from "./threads-primitive";
export { createThreadsPrimitive } from "./threads-primitive";
export type { FollowTranscriptOptions } from "./transcript/follow-transcript";
export { followTranscript } from "./transcript/follow-transcript";
export type { ReadTranscriptOptions, ReadTranscriptResult } from "./transcript/read-transcript";
export { readTranscript } from "./transcript/read-transcript";
export type { Redactor } from "./transcript/redactor";
export { createRedactor, REDACTED, SecretSet, secretsFromEnv } from "./transcript/redactor";
export type { TranscriptEvent, TranscriptEventType } from "./transcript/transcript-format";
export { TRANSCRIPT_EVENT_TYPES, TRANSCRIPT_FORMAT_VERSION } from "./transcript/transcript-format";
export type { TranscriptWriterOptions } from "./transcript/transcript-writer";
export { TranscriptWriter } from "./transcript/transcript-writer";
