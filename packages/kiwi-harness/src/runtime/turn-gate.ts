import {
  type HarnessTurn,
  KiwiError,
  type NeutralMessage,
  type RunControl,
  type TurnConversation,
  type TurnDirective,
} from "@kiwi/spec";
import type { BudgetRoom } from "@kiwi/threads";
import type { HarnessEvent } from "../harness-events";
import type { BudgetPolicy, StopDecision } from "./budget-policy";
import type { StepRunner } from "./step-runner";
import type { ThreadToken } from "./thread-token";

/** The turn step's outcome: the supervisor's answer, and the room the budget tree left for the call. */
type RecordedTurn = TurnDirective & { readonly budget_room?: BudgetRoom };

export interface TurnGateDeps {
  readonly budget: BudgetPolicy;
  readonly token: ThreadToken;
  /** The supervisor's side (the thread manager's pause gate, injected messages, terminate). */
  readonly control: RunControl | undefined;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: HarnessEvent) => void;
  readonly steps: StepRunner;
  /** The conversation as the model sees it (context compaction's summary in place of older turns). */
  readonly view?: (messages: readonly NeutralMessage[]) => readonly NeutralMessage[];
}

/**
 * The turn boundary of a run (`context.beforeTurn`): the supervisor first (checkpoint, pause, terminate,
 * injected messages), then the runtime's own stops (a decided budget stop, `max_turns`), then a fresh
 * token when the current one is about to expire, and `turn_start`. The stop it hands out is the run's
 * decision: the result's status and reason come from it, and a model call after it is refused.
 */
export class TurnGate {
  readonly #d: TurnGateDeps;
  /** The stop handed to the harness, once there is one. */
  decided: StopDecision | undefined;
  /** The conversation at the last boundary (what a checkpoint saves). */
  messages: readonly NeutralMessage[] = [];
  #passed = false;

  constructor(deps: TurnGateDeps) {
    this.#d = deps;
  }

  /** True when the harness passed a boundary since its last model call. */
  get passed(): boolean {
    return this.#passed;
  }

  async pass(conversation?: TurnConversation): Promise<HarnessTurn> {
    const { budget, control, signal, emit } = this.#d;
    // What a checkpoint saves is the compacted conversation: a resume does not bring older turns back.
    if (conversation) this.messages = [...(this.#d.view?.(conversation.messages) ?? conversation.messages)];
    this.#passed = true;
    const turn = budget.turns + 1;
    if (this.decided) return { turn, stop: this.decided, inject: [], notes: [] };
    // The step is the supervisor's answer and the budget tree's room as it was read (a replay gets both
    // from the journal); the rest follows from them.
    const recorded = await this.#d.steps.run("turn", { turn }, async (): Promise<RecordedTurn | null> => {
      const answer = control ? ((await control.beforeTurn(turn, { messages: this.messages })) ?? null) : null;
      // Read and held in one go, right before the answer is recorded: no other thread takes the same room.
      const room = await budget.reserveCallWhenFree(signal);
      return room ? { ...(answer ?? {}), budget_room: room } : answer;
    });
    const { budget_room: room, ...answer } = recorded ?? {};
    if (this.#d.steps.replaying) budget.reserveCall(room ?? null);
    const directive: TurnDirective | null = recorded ? answer : null;
    if (signal?.aborted) return this.#stop(turn, { status: "aborted", reason: "aborted" });
    if (directive?.stop) return this.#stop(turn, directive.stop);
    const inject = [...(directive?.inject ?? [])];
    for (const text of inject) emit({ type: "user_message", turn, text, injected: true });
    const stop = await budget.beforeTurn(turn);
    if (stop) return { ...this.#stop(turn, stop), inject };
    await this.#d.token.refresh(Date.now() / 1000);
    const notes = budget.takeNotes();
    emit({ type: "turn_start", turn });
    return { turn, inject, notes };
  }

  #stop(turn: number, stop: StopDecision): HarnessTurn {
    this.decided = stop;
    return { turn, stop, inject: [], notes: [] };
  }

  /** Called as a model call starts: the next one needs another boundary. */
  consume(): void {
    this.#passed = false;
  }

  /** Why a model call after a stop is refused. */
  refusal(): KiwiError {
    const reason = this.decided?.reason ?? "stopped";
    const code =
      reason === "budget_exceeded"
        ? "BUDGET_EXCEEDED"
        : reason === "context_exceeded"
          ? "CONTEXT_EXCEEDED"
          : "ABORTED";
    return new KiwiError({
      code,
      message: `the thread is ending (${reason}): no more model calls; return from run()`,
      context: { reason },
    });
  }
}
