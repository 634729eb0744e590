import { KiwiError } from "@kiwi/spec";
import { isTerminal } from "../registry/statuses";
import { isProcessAlive, ownerGone, type ThreadRegistry, type ThreadRow } from "../registry/thread-registry";
import { isPromise } from "../store/awaitable";
import type {
  Awaitable,
  ControlOutcome,
  ControlRecord,
  ControlRequest,
  ThreadStore,
} from "../store/thread-store";
import { redactValue } from "../transcript/redact-value";

/** What a control call did: applied here (`queued: false`) or queued for the thread's owner. */
export interface ControlResult {
  readonly thread_id: string;
  readonly queued: boolean;
  readonly request_id?: number;
  readonly status?: string;
  readonly resumed?: boolean;
  readonly pending_messages?: number;
}

/** Applies one control to a thread this process runs (throws what the control met). */
export type ApplyControl = (
  threadId: string,
  action: string,
  payload: Record<string, unknown>,
) => ControlResult;

/** Poll interval of a queued request's owner and of a requester waiting for its outcome. */
export const CONTROL_POLL_MS = 100;
const DEFAULT_CONTROL_WAIT_MS = 10_000;

function timedOut(record: ControlRecord, timeoutMs: number): { code: string; message: string } {
  return {
    code: "CONTROL_TIMEOUT",
    message: `the process running thread ${record.thread_id} did not take the ${record.action} request within ${Math.round(timeoutMs / 1000)} s (busy, or stuck): the request was withdrawn; check it with kiwi threads status ${record.thread_id} and try again`,
  };
}

/** Throws unless a thread run elsewhere can take a control: known, not ended, with an owner. */
export function checkControllable(threadId: string, action: string, row: ThreadRow | undefined): void {
  if (!row) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `no thread ${threadId}: list threads with thread_registry query (or kiwi threads list)`,
      context: { thread_id: threadId },
    });
  }
  if (isTerminal(row.status)) {
    throw new KiwiError({
      code: "THREAD_FINISHED",
      message: `thread ${threadId} already ended (${row.status}): ${action} applies to running threads only`,
      context: { thread_id: threadId, status: row.status },
    });
  }
  if (row.status === "interrupted" || (row.status === "paused" && row.pid === null)) {
    throw new KiwiError({
      code: "THREAD_NOT_RUNNING",
      message: `thread ${threadId} has no owner process (${row.status}${row.reason ? `: ${row.reason}` : ""}): resume it in place first (kiwi threads resume ${threadId})`,
      context: { thread_id: threadId, status: row.status, reason: row.reason },
    });
  }
}

/**
 * The control channel between processes: a control for a thread another process (or host) runs is queued
 * in the store for its owner, which takes the requests for its live threads on each poll, applies them and
 * records how each ended; the requester waits for that outcome. The queue is on disk like the rest of the
 * store, so what it holds is redacted.
 */
export class ControlQueue {
  readonly #store: ThreadStore;
  readonly #registry: ThreadRegistry | undefined;
  readonly #redact: (s: string) => string;
  readonly #apply: ApplyControl;
  readonly #closed: () => boolean;

  constructor(options: {
    store: ThreadStore;
    registry: ThreadRegistry | undefined;
    redact: (s: string) => string;
    apply: ApplyControl;
    closed: () => boolean;
  }) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#redact = options.redact;
    this.#apply = options.apply;
    this.#closed = options.closed;
  }

  /** Queues a control in the embedded registry (synchronous); its owner applies it within ~100 ms. */
  queueNow(threadId: string, action: string, payload: Record<string, unknown> = {}): ControlResult {
    const registry = this.#registry;
    if (!registry) throw new Error("queueNow needs the embedded registry");
    const { id } = registry.requestControl(threadId, action, redactValue(payload, this.#redact));
    return { thread_id: threadId, queued: true, request_id: id };
  }

  /** Queues a control in any store after checking that the thread can take it. */
  async queue(threadId: string, action: string, payload: Record<string, unknown>): Promise<ControlResult> {
    checkControllable(threadId, action, await this.#store.get(threadId));
    const { id } = await this.#store.requestControl(
      threadId,
      action,
      redactValue({ ...payload }, this.#redact),
    );
    return { thread_id: threadId, queued: true, request_id: id };
  }

  /** Takes and applies the embedded registry's requests for `liveIds` (a busy registry: the next poll). */
  applyQueuedNow(liveIds: readonly string[]): void {
    if (this.#closed() || liveIds.length === 0 || !this.#registry) return;
    let requests: ControlRequest[];
    try {
      requests = this.#registry.takeControls([...liveIds]);
    } catch {
      return; // busy or closing: the next poll tries again
    }
    this.applyTaken(requests);
  }

  /** Takes and applies any store's requests for `liveIds`. */
  async applyQueued(liveIds: readonly string[]): Promise<void> {
    this.applyTaken(await this.#store.takeControls([...liveIds]));
  }

  /**
   * Applies taken requests and records how each ended for its requester: applied, or the error it met (the
   * thread ended meanwhile, an inject without a message, an action this version does not know).
   */
  applyTaken(requests: readonly ControlRequest[]): void {
    for (const r of requests) {
      let outcome: ControlOutcome;
      try {
        this.#apply(r.thread_id, r.action, r.payload);
        outcome = { ok: true };
      } catch (error) {
        const e = KiwiError.isInstance(error)
          ? error
          : new KiwiError({ code: "INTERNAL_ERROR", message: String(error), cause: error });
        outcome = { ok: false, error: { code: e.code, message: e.message } };
      }
      this.#report(r.id, outcome);
    }
  }

  /** Records a taken request's outcome; a registry busy right now gets it on one of the next polls. */
  #report(id: number, outcome: ControlOutcome, attempt = 0): void {
    try {
      const reported = this.#store.finishControl(id, outcome);
      if (isPromise(reported)) reported.catch(() => undefined);
    } catch (error) {
      const busy = KiwiError.isInstance(error) && error.code === "REGISTRY_UNAVAILABLE" && error.retryable;
      // Given up: the requester's wait then ends with CONTROL_TIMEOUT, which says to check the thread.
      if (!busy || attempt >= 20 || this.#closed()) return;
      setTimeout(() => this.#report(id, outcome, attempt + 1), CONTROL_POLL_MS).unref();
    }
  }

  /**
   * Waits for the outcome of a queued control: `{ok: true}` once its owner applied it, or the error it met.
   * A request nobody took yet is withdrawn — so it never applies later — and fails when its thread ended
   * (THREAD_FINISHED), lost its owner (THREAD_NOT_RUNNING), or `timeoutMs` passed (CONTROL_TIMEOUT).
   */
  async awaitOutcome(
    requestId: number,
    options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
  ): Promise<ControlOutcome> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONTROL_WAIT_MS;
    const pollMs = options.pollMs ?? 25;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.#store.control(requestId);
      if (!record) {
        throw new KiwiError({
          code: "ITEM_NOT_FOUND",
          message: `no control request ${requestId}`,
          context: { request_id: requestId },
        });
      }
      if (record.status === "done") return { ok: true };
      if (record.status === "failed") return { ok: false, error: record.error! };
      const late = Date.now() >= deadline;
      if (record.status === "pending") {
        const gone =
          (await this.#ownerGoneFor(record.thread_id, record.action)) ??
          (late ? timedOut(record, timeoutMs) : undefined);
        if (gone && (await this.#withdraw(requestId, gone))) return { ok: false, error: gone };
      } else if (late && Date.now() >= deadline + timeoutMs) {
        // Taken, but no outcome recorded: the owner died while applying it, or cannot write.
        return {
          ok: false,
          error: {
            code: "CONTROL_TIMEOUT",
            message: `the process running thread ${record.thread_id} took the ${record.action} request but reported no outcome within ${Math.round((2 * timeoutMs) / 1000)} s: check the thread with kiwi threads status ${record.thread_id}`,
          },
        };
      }
      if (options.signal?.aborted) {
        const stopped = { code: "ABORTED", message: `stopped waiting for the ${record.action} request` };
        if (record.status === "pending" && (await this.#withdraw(requestId, stopped)))
          return { ok: false, error: stopped };
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Withdraws a request nobody took (false when it was taken meanwhile). */
  async #withdraw(requestId: number, error: { code: string; message: string }): Promise<boolean> {
    const store = this.#store as {
      withdrawControl?: (id: number, e: { code: string; message: string }) => Awaitable<boolean>;
    };
    // A store that cannot withdraw: the requester stops waiting all the same (the request may still apply).
    return typeof store.withdrawControl === "function" ? store.withdrawControl(requestId, error) : true;
  }

  /** Why a request for this thread can no longer be applied by its owner, if it cannot. */
  async #ownerGoneFor(
    threadId: string,
    action: string,
  ): Promise<{ code: string; message: string } | undefined> {
    const row = await this.#store.get(threadId);
    if (!row) return undefined;
    if (isTerminal(row.status))
      return {
        code: "THREAD_FINISHED",
        message: `thread ${threadId} ended (${row.status}) before its owner applied ${action}`,
      };
    if (row.status === "interrupted" || row.pid === null || (await this.#ownerGone(threadId)))
      return {
        code: "THREAD_NOT_RUNNING",
        message: `the process that ran thread ${threadId} is gone, so ${action} was not applied: resume it in place first (kiwi threads resume ${threadId})`,
      };
    return undefined;
  }

  /** True when the process that owns the thread is gone (its pid on this host, else its lease's age). */
  async #ownerGone(threadId: string): Promise<boolean> {
    if (this.#registry) return this.#registry.isOwnerGone(threadId);
    const owner = await this.#store.owner(threadId);
    return owner !== undefined && owner.pid !== null && ownerGone(owner, isProcessAlive, Date.now());
  }
}
