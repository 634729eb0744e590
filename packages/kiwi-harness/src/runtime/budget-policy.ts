import { addUsage, zeroUsage } from "@kiwi/agent-harness";
import type { HarnessRunResult, Usage } from "@kiwi/spec";
import { type CostLimits, type CostSoFar, contextLimit, contextUsed, costExceeded } from "../budget";
import type { HarnessEvent } from "../harness-events";

/** A decision that ends the run at the next turn boundary. */
export interface StopDecision {
  readonly status: HarnessRunResult["status"];
  readonly reason: string;
}

/** What an escalation gets back: raised limits (continue in place) or the end of the thread. */
export type EscalationDecision = { action: "raise"; limits: Partial<CostLimits> } | { action: "terminate" };

export interface BudgetPolicyOptions {
  readonly model: string;
  /** USD of a usage for the model, or unpriced (a model without a price is never counted as $0). */
  readonly price?: (model: string, usage: Usage) => { usd: number } | { unpriced: true };
  readonly contextWindow?: number;
  /** Budget-tree caps (a child's reservation out of its parent's remainder). */
  readonly costCap?: { readonly maxCostUsd?: number; readonly maxTotalTokens?: number };
  /** What this thread's children have spent so far: it counts against this thread's budget. */
  readonly childrenSpend?: () => { usd: number; tokens: number };
  /** `on_exceeded: escalate`: waits for a decision. Without it an escalation ends the thread like `stop`. */
  readonly escalate?: (request: {
    reason: string;
    usage: Usage;
    limits: CostLimits;
  }) => Promise<EscalationDecision>;
  readonly emit: (event: HarnessEvent) => void;
}

/** The directive's cost limits lowered to a budget-tree reservation. */
function capLimits(cost: CostLimits, cap: BudgetPolicyOptions["costCap"]): CostLimits {
  const out = { ...cost };
  const caps = [
    ["max_cost_usd", cap?.maxCostUsd],
    ["max_total_tokens", cap?.maxTotalTokens],
  ] as const;
  for (const [key, c] of caps) {
    if (c !== undefined) out[key] = out[key] === undefined ? c : Math.min(out[key], c);
  }
  return out;
}

/**
 * A thread's budgets, enforced by the runtime whatever the harness: usage and cost over every model
 * call (children's spend included), the context budget of one call (a warning note at the threshold, the
 * end of the thread over the limit), `max_turns` (a hard stop whatever `on_exceeded` says), and the
 * directive's `on_exceeded` (`stop`, `warn`, `escalate`) for cost and for limits a harness reports.
 */
export class BudgetPolicy {
  readonly #o: BudgetPolicyOptions;
  #limits: CostLimits = { max_turns: 1, on_exceeded: "stop" };
  readonly usage: Usage = zeroUsage();
  readonly turnUsage: Usage[] = [];
  /** Model calls so far (a resumed run starts from the checkpoint's). */
  turns = 0;
  #stop: StopDecision | undefined;
  #notes: string[] = [];
  #contextWarned = false;
  readonly #warned = new Set<string>();

  constructor(options: BudgetPolicyOptions) {
    this.#o = options;
  }

  /** Sets the directive's `<cost>` (lowered to the reservation) and, for a resumed run, what it had spent. */
  start(cost: CostLimits, resumed?: { turn: number; usage: Usage }): void {
    this.#limits = capLimits(cost, this.#o.costCap);
    if (resumed) {
      this.turns = resumed.turn;
      addUsage(this.usage, resumed.usage);
    }
  }

  get limits(): CostLimits {
    return this.#limits;
  }

  /** The stop decided so far (a budget, the context, a limit the harness reported). */
  get stop(): StopDecision | undefined {
    return this.#stop;
  }

  /** Ends the run at the next boundary, unless a stop was already decided. */
  stopWith(decision: StopDecision): void {
    this.#stop ??= decision;
  }

  /** Runtime guidance for the next turn (context warnings), handed over once. */
  takeNotes(): string[] {
    return this.#notes.splice(0);
  }

  cost(): CostSoFar {
    if (!this.#o.price) return { usd: null, unpriced: true };
    const p = this.#o.price(this.#o.model, this.usage);
    return "usd" in p ? { usd: p.usd, unpriced: false } : { usd: null, unpriced: true };
  }

  children(): { usd: number; tokens: number } {
    return this.#o.childrenSpend?.() ?? { usd: 0, tokens: 0 };
  }

  /** Own usage and cost plus the children's: what the budget is checked against. */
  #treeSpend(): { usage: Usage; cost: CostSoFar } {
    const kids = this.children();
    const cost = this.cost();
    if (kids.usd === 0 && kids.tokens === 0) return { usage: this.usage, cost };
    return {
      // Children's tokens are not split into input/output; they count toward the total only.
      usage: { ...this.usage, output_tokens: this.usage.output_tokens + kids.tokens },
      cost: cost.unpriced ? cost : { usd: cost.usd + kids.usd, unpriced: false },
    };
  }

  /** A stop at the boundary before `turn`: a decided stop, else `max_turns`. */
  beforeTurn(turn: number): StopDecision | undefined {
    if (this.#stop) return this.#stop;
    if (turn > this.#limits.max_turns) {
      // max_turns is a hard stop whatever on_exceeded says.
      this.#stop = this.#budgetStop(`${turn - 1} of ${this.#limits.max_turns} turns`);
    }
    return this.#stop;
  }

  /** Accounts one model call's usage and emits its cost. */
  account(turnUsage: Usage, turn: number): void {
    this.turnUsage.push({ ...turnUsage });
    addUsage(this.usage, turnUsage);
    const cost = this.cost();
    this.#o.emit({
      type: "cost_update",
      turn,
      turn_usage: { ...turnUsage },
      usage: { ...this.usage },
      usd: cost.usd,
      unpriced: cost.unpriced,
    });
  }

  /** The context and cost checks after a model call (the call's own usage decides the context budget). */
  async check(turnUsage: Usage): Promise<void> {
    const limits = this.#limits;
    const limit = contextLimit(limits, this.#o.contextWindow);
    const used = contextUsed(turnUsage);
    if (limit !== undefined && used > limit) {
      // The context budget always ends the thread: the next call could not fit anyway.
      this.#o.emit({
        type: "context_exceeded",
        message: `Context exceeded: ${used} of ${limit} tokens in one call`,
      });
      this.#stop = { status: "stopped", reason: "context_exceeded" };
      return;
    }
    const threshold = limits.context_warning_threshold ?? 0.8;
    if (limit !== undefined && !this.#contextWarned && used >= threshold * limit) {
      this.#contextWarned = true;
      const message = `Context warning: the last call used ${used} of ${limit} tokens (${Math.round((used / limit) * 100)}%). Finish soon: summarise, avoid loading more, and stop when the directive is done.`;
      this.#o.emit({ type: "warning", kind: "context", message });
      this.#notes.push(message);
    }
    const tree = this.#treeSpend();
    const over = costExceeded(limits, tree.usage, tree.cost);
    if (over) await this.exceeded(over, "budget");
  }

  /** Applies the directive's on_exceeded to a tripped budget or a limit a harness reported. */
  async exceeded(what: string, kind: string): Promise<"continue" | "stop"> {
    const limits = this.#limits;
    if (limits.on_exceeded === "warn") {
      if (!this.#warned.has(what)) {
        this.#warned.add(what);
        const label = kind === "budget" ? "Budget exceeded" : kind === "loop" ? "Loop" : kind;
        this.#o.emit({
          type: "warning",
          kind: kind as "budget",
          message: `${label}: ${what} (on_exceeded: warn, continuing)`,
        });
      }
      return "continue";
    }
    if (limits.on_exceeded === "escalate" && this.#o.escalate) {
      this.#o.emit({ type: "signal", kind: "escalate", reason: what });
      const decision = await this.#o.escalate({
        reason: what,
        usage: { ...this.usage },
        limits: { ...limits },
      });
      if (decision.action === "raise") {
        this.#limits = { ...limits, ...decision.limits };
        const tree = this.#treeSpend();
        if (!(kind === "budget" && costExceeded(this.#limits, tree.usage, tree.cost))) return "continue";
      }
    }
    this.#stop ??=
      kind === "budget" ? this.#budgetStop(what) : { status: "completed", reason: `${kind}_detected` };
    return "stop";
  }

  #budgetStop(what: string): StopDecision {
    this.#o.emit({ type: "budget_exceeded", message: `Budget exceeded: ${what} used` });
    return { status: "completed", reason: "budget_exceeded" };
  }

  /** Per-turn and total usage with USD (null when the model is unpriced). */
  summary(): { turns: Usage[]; total: Usage; usd: number | null; unpriced: boolean } {
    const cost = this.cost();
    return {
      turns: this.turnUsage.map((u) => ({ ...u })),
      total: { ...this.usage },
      usd: cost.usd,
      unpriced: cost.unpriced,
    };
  }
}
