/** What a run's steps are: every call of the run context with an effect or a nondeterministic answer. */
export type StepKind =
  | "turn" // the supervisor's answer at a turn boundary (checkpoint, pause, injected messages, terminate) and the budget tree's room for the next call
  | "model" // one model call: the provider's thread tool streamed through the kernel (and the tree's room as it ended)
  | "compaction" // a context compaction's summarizing call: the summary a resumed run uses instead of asking again
  | "tool" // one Kiwi call under the thread's token (the kernel's answer, refusals included)
  | "escalation" // the decision an `on_exceeded: escalate` waited for
  | "describe_tool" // context.describeTool
  | "system_prompt" // context.systemPrompt
  | "help" // context.help: a help signal through the kernel
  | "clock" // context.now
  | "random"; // context.random

/**
 * One step as the boundary sees it before it runs: its number in the run, its kind and its request. A
 * step is only the effect or the read itself; what the runtime derives from its result (turns, usage,
 * budget checks, transcript events) is computed after it, the same way whether the result was just
 * produced or replayed.
 */
export interface StepIntent {
  /** 1, 2, 3, … in the order the run asks (a resumed run's replay asks again in the same order). */
  readonly seq: number;
  readonly kind: StepKind;
  /** JSON-safe description of what was asked (the model request, the tool call, …). */
  readonly request: unknown;
}

/** How a step ended: its result, or the error it threw. */
export type StepOutcome = (
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: unknown }
) & {
  /**
   * Set by `begin` for an outcome it decided now rather than recorded before (a person chose to skip an
   * interrupted call): the step does not run, but what follows from it is new, not a replay.
   */
  readonly decided?: true;
};

/**
 * The seam a step journal plugs into. `begin` sees every step before it runs and may hand back a recorded
 * outcome instead (a replay: the step is not run again); `end` sees its outcome after it ran. The
 * in-memory default passes everything through. Either may answer with a promise (a journal on a server
 * store: an effect step's intent is committed before the step runs); `StepRunner.run` awaits only a
 * promise, so a synchronous journal (the SQLite one) adds no await. `runSync` (`context.now()`,
 * `context.random()`, read steps) needs `begin` to answer synchronously for those kinds: a journal defers
 * their writes (queued, committed before the next effect step's intent).
 */
export interface StepJournal {
  begin(intent: StepIntent): StepOutcome | undefined | Promise<StepOutcome | undefined>;
  end(intent: StepIntent, outcome: StepOutcome): void | Promise<void>;
}

/** The default journal: records nothing, replays nothing. */
export const PASS_THROUGH_JOURNAL: StepJournal = Object.freeze({
  begin: () => undefined,
  end: () => undefined,
});
