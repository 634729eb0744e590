import { PASS_THROUGH_JOURNAL, type StepJournal, type StepKind, type StepOutcome } from "./step-journal";

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
    const recorded = this.#journal.begin(intent);
    this.#replaying = recorded !== undefined && recorded.decided !== true;
    if (recorded) return settle(recorded) as T;
    let outcome: StepOutcome;
    try {
      outcome = { ok: true, result: await perform() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.#journal.end(intent, outcome);
    return settle(outcome) as T;
  }

  runSync<T>(kind: StepKind, request: unknown, perform: () => T): T {
    this.#seq += 1;
    const intent = { seq: this.#seq, kind, request };
    const recorded = this.#journal.begin(intent);
    this.#replaying = recorded !== undefined && recorded.decided !== true;
    if (recorded) return settle(recorded) as T;
    let outcome: StepOutcome;
    try {
      outcome = { ok: true, result: perform() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.#journal.end(intent, outcome);
    return settle(outcome) as T;
  }
}
