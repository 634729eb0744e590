import { DBOS } from "@dbos-inc/dbos-sdk";
import { KiwiError } from "@kiwi/spec";
import {
  canonicalJson,
  type Fence,
  JOURNAL_FORMAT_VERSION,
  type RawJournalStep,
  requestHash,
  type ThreadLease,
  type ThreadStatus,
  type ThreadStore,
} from "@kiwi/threads";

export interface StepOptions {
  /**
   * The step may run again when it was in flight as its owner died (an `idempotent: true` tool, a model
   * call). Otherwise such a step stops the thread with NEEDS_RECONCILIATION for a person to decide.
   */
  readonly idempotent?: boolean;
}

/** What a thread body runs its steps through. */
export interface ThreadStepContext {
  readonly threadId: string;
  /** The worker running this execution (its DBOS executor id). */
  readonly owner: string;
  /**
   * The fenced lease this worker holds on the thread (renewed by the engine while the body runs, released
   * when it ends): a body that runs the thread on a thread runtime hands it over
   * (`runtime.spawn({lease})`, `runtime.resume(id, {lease})`), so both write under one token.
   */
  readonly lease: ThreadLease;
  /** Aborted when the thread is cancelled (terminate, kill) or this worker lost the thread's lease. */
  readonly signal: AbortSignal;
  /**
   * Runs one journaled step: its intent is written to the thread store before `run` starts and its outcome
   * after (fenced by this worker's lease), and the step is a DBOS step, so a replay hands back the recorded
   * result without running it again. `run` gets a signal that fires on cancellation or a lost lease.
   */
  step<T>(
    kind: string,
    request: unknown,
    run: (signal: AbortSignal) => Promise<T>,
    options?: StepOptions,
  ): Promise<T>;
  /**
   * Records a status the thread passes through while it runs (`paused`, `running` again …) under this
   * worker's lease (LEASE_LOST once another worker took the thread). Its end is recorded by the engine.
   */
  status(status: ThreadStatus, reason?: string | null): Promise<void>;
}

/**
 * The step journal of one execution of a thread's workflow. Kiwi's journal in the thread store is the
 * authority (DBOS writes a step's row only after it ends, so it cannot tell a step in flight from one never
 * started); each step is also a DBOS step, which keeps DBOS's own record and replay consistent with it:
 *
 * - recorded with an outcome: the DBOS step hands back DBOS's copy, or (when the worker died between the
 *   journal's outcome and DBOS's) the journal's — `run` is not called;
 * - recorded as an intent only (in flight when its owner died): run again for an idempotent step,
 *   otherwise NEEDS_RECONCILIATION, thrown outside the DBOS step so DBOS records nothing for it;
 * - new: the intent is written, then the DBOS step runs it and writes the outcome.
 */
export class ThreadSteps implements ThreadStepContext {
  readonly #store: ThreadStore;
  readonly #fence: Fence;
  readonly #recorded: Map<number, RawJournalStep>;
  readonly #signal: AbortSignal;
  #seq = 0;

  constructor(options: {
    store: ThreadStore;
    threadId: string;
    owner: string;
    lease: ThreadLease;
    fence: Fence;
    recorded: readonly RawJournalStep[];
    signal: AbortSignal;
  }) {
    this.#store = options.store;
    this.threadId = options.threadId;
    this.owner = options.owner;
    this.lease = options.lease;
    this.#fence = options.fence;
    this.#recorded = new Map(options.recorded.map((r) => [r.seq, r]));
    this.#signal = options.signal;
  }

  readonly threadId: string;
  readonly owner: string;
  readonly lease: ThreadLease;

  get signal(): AbortSignal {
    return this.#signal;
  }

  async status(status: ThreadStatus, reason: string | null = null): Promise<void> {
    await this.#store.updateStatus(this.threadId, status, {
      ...(reason ? { reason } : {}),
      fence: this.#fence,
    });
  }

  async step<T>(
    kind: string,
    request: unknown,
    run: (signal: AbortSignal) => Promise<T>,
    options: StepOptions = {},
  ): Promise<T> {
    this.#seq += 1;
    const seq = this.#seq;
    const text = canonicalJson(request ?? null);
    const hash = requestHash(request ?? null);
    const recorded = this.#recorded.get(seq);
    const name = `kiwi.${kind}`;
    if (recorded) {
      if (recorded.kind !== kind || recorded.request_hash !== hash) {
        throw new KiwiError({
          code: "JOURNAL_DIVERGED",
          message: `thread ${JSON.stringify(this.threadId)} diverged from its journal at step ${seq}: the replay asks for a ${kind} step where a ${recorded.kind} step${recorded.kind === kind ? " with another request" : ""} was recorded. Nothing more runs`,
          context: { thread_id: this.threadId, seq, recorded_kind: recorded.kind, asked_kind: kind },
        });
      }
      if (recorded.outcome !== null) {
        const outcome = recorded.outcome;
        return DBOS.runStep(async () => replay<T>(outcome), { name, retriesAllowed: false });
      }
      if (!options.idempotent) {
        throw new KiwiError({
          code: "NEEDS_RECONCILIATION",
          message: `step ${seq} of thread ${JSON.stringify(this.threadId)} (${kind}) was in flight when its worker died and may have taken effect: a person decides whether it runs again`,
          context: { thread_id: this.threadId, seq, kind },
        });
      }
    } else {
      await this.#store.beginStep(
        this.threadId,
        { seq, format: JOURNAL_FORMAT_VERSION, kind, request: text, requestHash: hash },
        this.#fence,
      );
    }
    return DBOS.runStep(
      async () => {
        const signal = anySignal([this.#signal, DBOS.stepStatus?.cancelSignal]);
        let result: T;
        try {
          result = await run(signal);
        } catch (err) {
          await this.#store.endStep(
            this.threadId,
            seq,
            JSON.stringify({ ok: false, error: errorRecord(err) }),
            this.#fence,
          );
          throw err;
        }
        await this.#store.endStep(
          this.threadId,
          seq,
          JSON.stringify({ ok: true, result: result === undefined ? null : result }),
          this.#fence,
        );
        return result;
      },
      { name, retriesAllowed: false },
    );
  }
}

/** A journaled outcome as the step's answer: the result, or the error thrown again. */
function replay<T>(outcome: string): T {
  const parsed = JSON.parse(outcome) as {
    ok: boolean;
    result?: unknown;
    error?: { code?: string; message?: string };
  };
  if (parsed.ok) return parsed.result as T;
  const error = parsed.error ?? {};
  throw new KiwiError({
    code: typeof error.code === "string" ? error.code : "PRIMITIVE_FAILED",
    message: typeof error.message === "string" ? error.message : "a recorded step failed",
    context: {},
  });
}

function errorRecord(err: unknown): Record<string, unknown> {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  return {
    code: typeof e?.code === "string" ? e.code : "PRIMITIVE_FAILED",
    message: typeof e?.message === "string" ? e.message : String(err),
  };
}

function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? present[0]! : AbortSignal.any(present);
}
