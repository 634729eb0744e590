/** Every status a registered thread can be in. */
export const THREAD_STATUSES = [
  "spawning",
  "running",
  "paused",
  "terminating",
  "completed",
  "error",
  "killed",
  // Registries written before schema version 2 (a thread whose owner died then ended here, for good).
  "orphaned",
  // Its owner process is gone; not finished: it resumes in place (`ThreadManager.resumeInPlace`).
  "interrupted",
] as const;

export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** Statuses of a thread that still has (or should have) an owner process working on it. */
export const ACTIVE_STATUSES = [
  "spawning",
  "running",
  "paused",
  "terminating",
] as const satisfies readonly ThreadStatus[];

/** Statuses a thread never leaves. */
export const TERMINAL_STATUSES = [
  "completed",
  "error",
  "killed",
  "orphaned",
] as const satisfies readonly ThreadStatus[];

const ALL: ReadonlySet<string> = new Set(THREAD_STATUSES);
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** True for a known status name. */
export function isThreadStatus(value: unknown): value is ThreadStatus {
  return typeof value === "string" && ALL.has(value);
}

/**
 * True once a thread is finished (completed, error, killed, orphaned): its status no longer changes. An
 * `interrupted` thread is not finished: it waits to be resumed in place.
 */
export function isTerminal(status: ThreadStatus): boolean {
  return TERMINAL.has(status);
}
