import type { HarnessRunResult, RunControl, TurnDirective } from "@kiwi/spec";
import type { BudgetNode } from "./budget-tree";
import type { ThreadResult } from "./thread-result";

/** A decision that ends a pause: go on (with raised limits for an escalation) or stop. */
export type Decision =
  | { readonly action: "resume"; readonly message?: string; readonly limits?: Record<string, number> }
  | { readonly action: "terminate" };

/**
 * The in-process side of one running thread: its abort controller (kill, immediate terminate), the
 * pause gate the run waits at between turns, queued injected messages, and pending decisions.
 */
export class LiveThread {
  readonly abort = new AbortController();
  readonly inject: string[] = [];
  pauseRequested = false;
  /** Why the next pause happens (`paused`, or the help signal that asked for it). */
  pauseReason = "paused";
  terminateRequested = false;
  killRequested = false;
  checkpointRequested = false;
  /** Its status as this process last wrote it (kept on a store other than the embedded registry). */
  status: string | undefined;
  /** Another owner took the thread over (LEASE_LOST): this process writes nothing more of it. */
  leaseLost = false;
  /** Its model has no price: its USD is unknown (reported as null, never $0). */
  unpriced = false;
  /** Saves the run's state (set by the manager). */
  checkpoint: () => void = () => {};
  result: HarnessRunResult | undefined;
  /** The run: resolves with its result once the thread has ended and been recorded. */
  done: Promise<ThreadResult> = new Promise(() => {});
  #waiters: ((d: Decision) => void)[] = [];

  constructor(
    readonly id: string,
    readonly directive: string,
    readonly parentId: string | null,
    readonly budget: BudgetNode,
    readonly pauseOnEscalate: boolean,
    private readonly onPause: (reason: string) => void,
    private readonly onContinue: () => void,
  ) {}

  /** Waits for the next decision (resume, terminate, kill). */
  waitForDecision(reason: string): Promise<Decision> {
    this.onPause(reason);
    return new Promise<Decision>((resolve) => {
      this.#waiters.push(resolve);
    }).then((d) => {
      if (d.action === "resume" && !this.terminateRequested && !this.killRequested) this.onContinue();
      return d;
    });
  }

  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** Wakes whatever waits for a decision; false when nothing was waiting. */
  decide(decision: Decision): boolean {
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) w(decision);
    return waiters.length > 0;
  }

  /** The control the runner awaits before each model call. */
  readonly control: RunControl = {
    beforeTurn: async (): Promise<TurnDirective | undefined> => {
      if (this.checkpointRequested) {
        this.checkpointRequested = false;
        this.checkpoint();
      }
      if (this.pauseRequested && !this.terminateRequested && !this.killRequested) {
        this.pauseRequested = false;
        const reason = this.pauseReason;
        this.pauseReason = "paused";
        const d = await this.waitForDecision(reason);
        if (d.action === "resume" && d.message) this.inject.push(d.message);
      }
      if (this.terminateRequested || this.killRequested)
        return { stop: { status: "stopped", reason: "terminated" } };
      if (this.inject.length) return { inject: this.inject.splice(0) };
      return undefined;
    },
  };
}
