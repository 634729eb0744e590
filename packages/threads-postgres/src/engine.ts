// Public API of @kiwi/threads-postgres/engine, listed by name on purpose (no `export *`): managed threads as
// DBOS Transact workflows on the PostgreSQL thread store. Its own entry, so the store alone never loads DBOS.

export type {
  DbosThreadEngineOptions,
  SubmitThreadRequest,
  ThreadBody,
  ThreadBodyEnd,
} from "./engine/dbos-thread-engine";
export {
  DbosThreadEngine,
  defineThreadBody,
  ENGINE_APPLICATION,
  ENGINE_APPLICATION_VERSION,
  THREAD_QUEUE,
  THREAD_WORKFLOW,
} from "./engine/dbos-thread-engine";
export type { StepOptions, ThreadStepContext } from "./engine/thread-steps";
