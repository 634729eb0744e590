/** Every status a registered thread can be in. */
export const THREAD_STATUSES = [
  "spawning",
  "running",
  "paused",
  "terminating",
  "completed",
  "error",
  "killed",
  "orphaned",
] as const;

export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** Statuses of a thread that still has (or should have) an owner process working on it. */
export const ACTIVE_STATUSES = [
  "spawning",
  "running",
  "paused",
  "terminating",
] as const satisfies readonly ThreadStatus[];

const ALL: ReadonlySet<string> = new Set(THREAD_STATUSES);
const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_STATUSES);

/** True for a known status name. */
export function isThreadStatus(value: unknown): value is ThreadStatus {
  return typeof value === "string" && ALL.has(value);
}

/** True once a thread is finished (completed, error, killed, orphaned): its status no longer changes. */
export function isTerminal(status: ThreadStatus): boolean {
  return !ACTIVE.has(status);
}
