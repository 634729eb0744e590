import { KiwiError } from "@kiwi/spec";
import { invalid, isRecord, recordJson, toJson } from "../registry/rows";
import { isTerminal, isThreadStatus, THREAD_STATUSES, type ThreadStatus } from "../registry/statuses";
import type { RegisterThreadInput, ThreadQuery } from "../registry/thread-registry";
import { refuseRenamedOptions } from "../renamed-options";
import { validateThreadId } from "../thread-id";
import type { AcquireLeaseOptions, ControlOutcome, ControlRecord, ThreadLease } from "./thread-store";

// The rules every ThreadStore applies the same way (input checks, error shapes, the control record), so a
// second store (`@kiwi/threads-postgres`) answers exactly as the SQLite registry does.

/** The longest owner name a lease takes. */
export const MAX_LEASE_OWNER_LENGTH = 200;
/** The longest lease, in milliseconds (a day): a longer one would keep a dead owner's threads for too long. */
export const MAX_LEASE_TTL_MS = 86_400_000;

export const DEFAULT_THREAD_QUERY_LIMIT = 100;
export const MAX_THREAD_QUERY_LIMIT = 1000;

const REGISTER_RENAMES = {
  thread_id: "threadId",
  parent_id: "parentId",
  permission_context: "permissionContext",
  transcript_path: "transcriptPath",
};

/** A thread to register, checked: the `threads` row's columns, JSON columns as text. */
export interface CheckedRegistration {
  readonly thread_id: string;
  readonly directive: string;
  readonly parent_id: string | null;
  readonly status: ThreadStatus;
  readonly pid: number | null;
  readonly permission_context: string | null;
  readonly budget: string | null;
  readonly transcript_path: string | null;
}

/** Checks a registration as ThreadRegistry.register does (INVALID_INPUT / INVALID_THREAD_ID). */
export function checkRegistration(input: RegisterThreadInput, where: string): CheckedRegistration {
  refuseRenamedOptions(input, REGISTER_RENAMES, where);
  const thread_id = validateThreadId(input.threadId);
  if (typeof input.directive !== "string" || input.directive.length === 0) {
    throw invalid("directive must be a non-empty string: the directive the thread runs", { thread_id });
  }
  const status = input.status ?? "spawning";
  checkStatus(status);
  const pid = input.pid === undefined ? process.pid : input.pid;
  if (pid !== null && (!Number.isInteger(pid) || pid <= 0)) {
    throw invalid("pid must be a positive process id (or null when no process owns the thread)", { pid });
  }
  if (input.transcriptPath != null && typeof input.transcriptPath !== "string") {
    throw invalid("transcriptPath must be a string path (or omitted)", { thread_id });
  }
  return {
    thread_id,
    directive: input.directive,
    parent_id: input.parentId == null ? null : validateThreadId(input.parentId),
    status,
    pid,
    permission_context: recordJson("permissionContext", input.permissionContext),
    budget: recordJson("budget", input.budget),
    transcript_path: input.transcriptPath ?? null,
  };
}

export function checkStatus(status: unknown): asserts status is ThreadStatus {
  if (isThreadStatus(status)) return;
  throw invalid(`unknown thread status ${JSON.stringify(status)}: use one of ${THREAD_STATUSES.join(", ")}`, {
    status,
    allowed: [...THREAD_STATUSES],
  });
}

/** A query's filters, checked: statuses, the limit, `since` as an ISO time. */
export function checkQuery(
  filter: ThreadQuery,
  where: string,
): {
  statuses?: readonly ThreadStatus[];
  since?: string;
  limit: number;
} {
  refuseRenamedOptions(filter, { parent_id: "parentId" }, where);
  const out: { statuses?: readonly ThreadStatus[]; since?: string; limit: number } = {
    limit: filter.limit ?? DEFAULT_THREAD_QUERY_LIMIT,
  };
  if (filter.status !== undefined) {
    const statuses: readonly ThreadStatus[] = Array.isArray(filter.status) ? filter.status : [filter.status];
    for (const s of statuses) checkStatus(s);
    out.statuses = statuses;
  }
  if (filter.since !== undefined) {
    const since = new Date(filter.since);
    if (typeof filter.since !== "string" || Number.isNaN(since.getTime())) {
      throw invalid(`since must be an ISO-8601 time such as "2025-01-31T12:00:00Z"`, { since: filter.since });
    }
    out.since = since.toISOString();
  }
  if (!Number.isInteger(out.limit) || out.limit < 1 || out.limit > MAX_THREAD_QUERY_LIMIT) {
    throw invalid(`limit must be a whole number from 1 to ${MAX_THREAD_QUERY_LIMIT}`, { limit: out.limit });
  }
  return out;
}

/** An event's type and data, checked; the data as JSON text. */
export function checkEvent(threadId: string, type: unknown, data: unknown): string {
  if (typeof type !== "string" || type.length === 0) {
    throw invalid("the event type must be a non-empty string", { thread_id: threadId });
  }
  if (!isRecord(data)) throw invalid("event data must be a JSON object", { thread_id: threadId, type });
  return toJson("event data", data);
}

export function checkLeaseOptions(options: AcquireLeaseOptions): { owner: string; ttlMs: number } {
  const { owner, ttlMs } = options ?? ({} as AcquireLeaseOptions);
  if (typeof owner !== "string" || owner.length === 0 || owner.length > MAX_LEASE_OWNER_LENGTH) {
    throw invalid(`the lease owner must be a name of 1 to ${MAX_LEASE_OWNER_LENGTH} characters`, { owner });
  }
  checkTtl(ttlMs);
  return { owner, ttlMs };
}

export function checkTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== "number" || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_TTL_MS) {
    throw invalid(`ttlMs must be a whole number of milliseconds from 1 to ${MAX_LEASE_TTL_MS}`, { ttlMs });
  }
}

export function checkLease(lease: ThreadLease): void {
  if (!isRecord(lease) || typeof lease.thread_id !== "string" || !Number.isInteger(lease.token)) {
    throw invalid("pass the lease acquireLease returned", {});
  }
}

export function checkFence(fence: unknown): void {
  if (fence === undefined) return;
  if (!isRecord(fence) || !Number.isInteger(fence.token) || (fence.token as number) < 1) {
    throw invalid("a fence is { token } with the token of the writer's lease", {});
  }
}

/** The JSON text of a control outcome, checked. */
export function controlOutcomeJson(outcome: ControlOutcome): string {
  if (!isRecord(outcome) || typeof outcome.ok !== "boolean") {
    throw invalid("a control outcome is {ok: true} or {ok: false, error: {code, message}}", {});
  }
  if (outcome.ok) return JSON.stringify({ ok: true });
  const error = (outcome as { error?: unknown }).error;
  if (!isRecord(error) || typeof error.code !== "string" || typeof error.message !== "string") {
    throw invalid("a failed control outcome names its error: {ok: false, error: {code, message}}", {});
  }
  return JSON.stringify({ ok: false, error: { code: error.code, message: error.message } });
}

/** A control row as stored (`outcome` JSON text or null) → its record. */
export function controlRecordOf(row: {
  id: number;
  thread_id: string;
  action: string;
  payload: Record<string, unknown>;
  requested_at: string;
  handled_at: string | null;
  outcome: string | null;
}): ControlRecord {
  const outcome = row.outcome === null ? null : (JSON.parse(row.outcome) as ControlOutcome);
  const status =
    row.handled_at === null ? "pending" : outcome === null ? "taken" : outcome.ok ? "done" : "failed";
  return {
    id: row.id,
    thread_id: row.thread_id,
    action: row.action,
    payload: row.payload,
    status,
    requested_at: row.requested_at,
    handled_at: row.handled_at,
    error: outcome && !outcome.ok ? outcome.error : null,
  };
}

// ── errors ──

export function threadNotFound(thread_id: string): KiwiError {
  return new KiwiError({
    code: "ITEM_NOT_FOUND",
    message: `no thread ${JSON.stringify(thread_id)} in the registry: check the id (query lists threads)`,
    context: { thread_id },
  });
}

export function threadIdTaken(thread_id: string): KiwiError {
  return new KiwiError({
    code: "THREAD_ID_COLLISION",
    message: `a thread with id ${JSON.stringify(thread_id)} is already registered: leave the id out and let kiwi_harness generate one, or choose another`,
    context: { thread_id },
  });
}

/** A finished thread asked to become `requested` (a status) or to be taken over (`undefined`). */
export function threadFinished(
  thread_id: string,
  status: ThreadStatus,
  requested?: ThreadStatus,
  reason?: string | null,
): KiwiError {
  if (requested !== undefined) {
    return new KiwiError({
      code: "THREAD_FINISHED",
      message: `thread ${JSON.stringify(thread_id)} already finished (${status}) and cannot become ${requested}: a finished thread's status is final, spawn a new thread instead`,
      context: { thread_id, status, requested },
    });
  }
  return new KiwiError({
    code: "THREAD_FINISHED",
    message: `thread ${JSON.stringify(thread_id)} already finished (${status}${reason ? `: ${reason}` : ""}): only an interrupted thread resumes in place; spawn a new thread (or resume_from its checkpoint) instead`,
    context: { thread_id, status },
  });
}

/** Whether a status change from `current` to `requested` is allowed: a finished thread's status is final. */
export function assertStatusChange(
  thread_id: string,
  current: ThreadStatus,
  requested: ThreadStatus,
): boolean {
  if (!isTerminal(current)) return true;
  if (current === requested) return false; // repeating the final status: nothing to do
  throw threadFinished(thread_id, current, requested);
}

export function leaseHeld(thread_id: string, lease: ThreadLease): KiwiError {
  return new KiwiError({
    code: "THREAD_OWNED",
    message: `thread ${JSON.stringify(thread_id)} is leased to ${JSON.stringify(lease.owner)} until ${lease.expires_at}: only its owner runs it; it can be taken over once the lease expires`,
    context: { thread_id, owner: lease.owner, expires_at: lease.expires_at },
  });
}

export function leaseLost(thread_id: string, token: number, current: number | null): KiwiError {
  return new KiwiError({
    code: "LEASE_LOST",
    message: `the lease (token ${token}) on thread ${JSON.stringify(thread_id)} was taken over${current === null ? "" : ` (token ${current} holds it now)`}: this owner must stop running the thread; nothing was written`,
    context: { thread_id, token, current },
  });
}

export function stepNotOpen(thread_id: string, seq: number): KiwiError {
  return new KiwiError({
    code: "JOURNAL_CORRUPT",
    message: `step ${seq} of thread ${JSON.stringify(thread_id)} has no intent to end, already has an outcome, or already has an intent: a step is journaled once`,
    context: { thread_id, seq },
  });
}

export function controlNotFound(id: number): KiwiError {
  return new KiwiError({
    code: "ITEM_NOT_FOUND",
    message: `no control request ${id}: check the id requestControl returned`,
    context: { id },
  });
}

export function controlNotTaken(id: number, status: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `control request ${id} is ${status}: only a taken request's outcome can be reported, once`,
    context: { id, status },
  });
}
