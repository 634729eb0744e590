import { KiwiError } from "@kiwi/spec";
import { PASS_THROUGH_JOURNAL, type StepJournal, type StepKind, type StepOutcome } from "./step-journal";

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}

function settle(outcome: StepOutcome): unknown {
  if (outcome.ok) return outcome.result;
  throw outcome.error;
}

/**
 * The run's one step boundary: every effect or nondeterministic read of a run context goes through `run`
 * (async) or `runSync`, gets the next sequence number, and is shown to the journal before (`begin`, which
 * may replay a recorded outcome) and after (`end`). Nothing else in the runtime calls a kernel, a model or
 * a clock on a run's behalf, so a journal placed here sees the whole run.
 */
export class StepRunner {
  readonly #journal: StepJournal;
  #seq = 0;
  #replaying = false;

  constructor(journal: StepJournal = PASS_THROUGH_JOURNAL) {
    this.#journal = journal;
  }

  /** Steps taken so far. */
  get seq(): number {
    return this.#seq;
  }

  /** True while the last step came from the journal (a recovery replaying what was recorded). */
  get replaying(): boolean {
    return this.#replaying;
  }

  async run<T>(kind: StepKind, request: unknown, perform: () => Promise<T>): Promise<T> {
    this.#seq += 1;
    const intent = { seq: this.#seq, kind, request };
    const begun = this.#journal.begin(intent);
    // Awaited only when the journal answers with a promise: a synchronous journal adds no await here.
    const recorded = isPromise(begun) ? await begun : begun;
    this.#replaying = recorded !== undefined && recorded.decided !== true;
    if (recorded) return settle(recorded) as T;
    let outcome: StepOutcome;
    try {
      outcome = { ok: true, result: await perform() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const ended = this.#journal.end(intent, outcome);
    if (isPromise(ended)) await ended;
    return settle(outcome) as T;
  }

  /**
   * A synchronous step (the clock, randomness): the journal must answer `begin` synchronously for it; what
   * `end` writes may be queued (a promise it returns is not awaited; a failure surfaces at the next step).
   */
  runSync<T>(kind: StepKind, request: unknown, perform: () => T): T {
    this.#seq += 1;
    const intent = { seq: this.#seq, kind, request };
    const recorded = this.#journal.begin(intent);
    if (isPromise(recorded)) {
      recorded.catch(() => undefined);
      throw new KiwiError({
        code: "INTERNAL_ERROR",
        message: `the step journal answered the synchronous ${kind} step ${intent.seq} with a promise: a journal must answer read steps synchronously`,
        context: { kind, seq: intent.seq },
      });
    }
    this.#replaying = recorded !== undefined && recorded.decided !== true;
    if (recorded) return settle(recorded) as T;
    let outcome: StepOutcome;
    try {
      outcome = { ok: true, result: perform() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const ended = this.#journal.end(intent, outcome);
    // Queued by the journal; a failure is its to report (at its next awaited step).
    if (isPromise(ended)) ended.catch(() => undefined);
    return settle(outcome) as T;
  }
}
