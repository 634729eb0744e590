import { addUsage, zeroUsage } from "@kiwi/agent-harness";
import type { HarnessRunResult, Usage } from "@kiwi/spec";
import { BudgetNode, type BudgetRoom, type RoomBound, type TreeLimits, type TreeSpend } from "@kiwi/threads";
import { type CostLimits, type CostSoFar, contextLimit, contextUsed, costExceeded } from "../budget";
import type { HarnessEvent } from "../harness-events";
import { type CallPlan, planCall } from "./call-plan";

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
  /** Output tokens one model call asks for at most (the budget may lower it for a call). */
  readonly maxTokens: number;
  /**
   * The thread's node in its budget tree (its reservation, its children, the budgets above it). Default:
   * a node of its own, from the directive's `<cost>`.
   */
  readonly node?: BudgetNode;
  /** `on_exceeded: escalate`: waits for a decision. Without it an escalation ends the thread like `stop`. */
  readonly escalate?: (request: {
    reason: string;
    usage: Usage;
    limits: CostLimits;
  }) => Promise<EscalationDecision>;
  readonly emit: (event: HarnessEvent) => void;
}

/** The directive's cost limits lowered to a budget-tree reservation. */
function capLimits(cost: CostLimits, cap: TreeLimits): CostLimits {
  const out = { ...cost };
  const caps = [
    ["max_cost_usd", cap.maxCostUsd],
    ["max_total_tokens", cap.maxTotalTokens],
  ] as const;
  for (const [key, c] of caps) {
    if (c !== undefined) out[key] = out[key] === undefined ? c : Math.min(out[key], c);
  }
  return out;
}

const amount = (dim: "usd" | "tokens", n: number) =>
  dim === "usd" ? `$${Math.max(0, n).toFixed(4)}` : `${Math.max(0, Math.round(n))} tokens`;

/**
 * A bound that was crossed or leaves no room, as budget_exceeded events say it: a top-level thread's own
 * budget as "X of Y" (followed by "used"), the hard caps as a whole phrase ("$0.6000 of its $0.5000
 * reservation used", "926 of 1000 tokens used in the budget tree of X").
 */
function boundText(bound: RoomBound, dim: "usd" | "tokens", used: number): string {
  const num = (n: number) => (dim === "usd" ? amount(dim, n) : `${Math.max(0, Math.round(n))}`);
  const limit = amount(dim, bound.limit);
  if (bound.kind === "own") return `${num(used)} of ${limit}`;
  if (bound.kind === "reservation") return `${num(used)} of its ${limit} reservation used`;
  if (bound.kind === "cap")
    return `${num(used)} of its ${limit} cap used (what its parent had left when it was spawned)`;
  return `${num(used)} of ${limit} used in the budget tree of ${bound.thread_id ?? "an ancestor"}`;
}

/** Spend below this is rounding noise (float sums of prices). */
const EPSILON = 1e-9;

/**
 * A thread's budgets, enforced by the runtime whatever the harness: usage and cost over every model
 * call, the budget tree (its own limit, a child's reservation and every budget above it: checked before
 * each call, which holds what it may cost and gets `max_tokens` lowered to fit, and again after it), the
 * context budget of one call (a warning note at the threshold, the end of the thread over the limit),
 * `max_turns` (a hard stop whatever `on_exceeded` says), and the directive's `on_exceeded` (`stop`,
 * `warn`, `escalate`) for a top-level thread's own cost budget and for limits a harness reports. A child
 * is hard-capped at its reservation, and every thread at its ancestors' budgets, whatever its own
 * `on_exceeded` says.
 */
export class BudgetPolicy {
  readonly #o: BudgetPolicyOptions;
  #limits: CostLimits = { max_turns: 1, on_exceeded: "stop" };
  #node: BudgetNode;
  readonly usage: Usage = zeroUsage();
  readonly turnUsage: Usage[] = [];
  /** Model calls so far (a resumed run starts from the checkpoint's). */
  turns = 0;
  #stop: StopDecision | undefined;
  #stopMessage: string | undefined;
  #notes: string[] = [];
  #contextWarned = false;
  /** True while context compaction keeps the context in bounds (set by the runner): no context warning then. */
  compacting: () => boolean = () => false;
  readonly #warned = new Set<string>();
  /** The room read for the next call and what it plans (max_tokens, the hold, or why it cannot start). */
  #room: BudgetRoom | undefined;
  #plan: CallPlan | undefined;
  /** What the call in flight holds, and the spend before it (to see what it cost). */
  #inFlight: { hold: TreeSpend; before: TreeSpend } | undefined;

  constructor(options: BudgetPolicyOptions) {
    this.#o = options;
    this.#node = options.node ?? new BudgetNode({});
  }

  /** Sets the directive's `<cost>` (lowered to the reservation) and, for a resumed run, what it had spent. */
  start(cost: CostLimits, resumed?: { turn: number; usage: Usage }): void {
    if (!this.#o.node) {
      this.#node = new BudgetNode({
        ...(cost.max_cost_usd !== undefined ? { maxCostUsd: cost.max_cost_usd } : {}),
        ...(cost.max_total_tokens !== undefined ? { maxTotalTokens: cost.max_total_tokens } : {}),
      });
    }
    this.#limits = capLimits(cost, this.#node.limits);
    if (resumed) {
      this.turns = resumed.turn;
      addUsage(this.usage, resumed.usage);
    }
    this.#syncOwn();
  }

  get limits(): CostLimits {
    return this.#limits;
  }

  /** The stop decided so far (a budget, the context, a limit the harness reported). */
  get stop(): StopDecision | undefined {
    return this.#stop;
  }

  /** What the budget stop said ("Budget exceeded: …", "Context exceeded: …"), once there is one. */
  get stopMessage(): string | undefined {
    return this.#stopMessage;
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
    return this.#node.childrenSpent();
  }

  /** The thread's own spend on its node (the tree sums it; the thread manager sets the same figures). */
  #syncOwn(): void {
    this.#node.own.tokens = this.usage.input_tokens + this.usage.output_tokens;
    this.#node.own.usd = this.cost().usd ?? 0;
  }

  /** The tree's room for the next call, read now; undefined when no budget bounds it. */
  readRoom(): BudgetRoom | undefined {
    const room = this.#node.room();
    return room.usd || room.tokens ? room : undefined;
  }

  /**
   * Plans the next model call against the tree's room and holds what it may cost, in one synchronous
   * step (no other thread's call can take the same room). `recorded`: the room a journal recorded (a
   * replay plans from it); `null` when it recorded none. Returns the room read, for the journal.
   */
  reserveCall(recorded?: BudgetRoom | null): BudgetRoom | undefined {
    if (recorded === undefined) this.#node.setHold({ usd: 0, tokens: 0 }); // a planned call never made
    const room = recorded === undefined ? this.readRoom() : (recorded ?? undefined);
    this.#room = room;
    this.#plan = room ? this.#planFor(room) : undefined;
    this.#setHold(this.#plan && !this.#plan.blocked ? this.#plan.hold : { usd: 0, tokens: 0 });
    return room;
  }

  /**
   * `reserveCall` for a live run, after waiting while the only thing that leaves the next call no room is
   * what other calls in flight hold (a parent whose children are mid-call): it looks again each time one
   * of them ends. Returns at once when nothing is held that could free the room, or `signal` aborts.
   */
  async reserveCallWhenFree(signal?: AbortSignal): Promise<BudgetRoom | undefined> {
    for (;;) {
      const room = this.reserveCall();
      const blocked = this.#plan?.blocked;
      if (!blocked || signal?.aborted) return room;
      const { bound, need } = blocked;
      if (bound.left + bound.held < need) return room;
      await this.#node.whenFreed(signal ? { signal } : {});
    }
  }

  /** max_tokens the next call may ask for (undefined: the budget does not lower it). */
  get callTokens(): number | undefined {
    return this.#plan && !this.#plan.blocked ? this.#plan.maxTokens : undefined;
  }

  /** Drops the hold of a call that did not happen (or whose usage never came). */
  releaseHold(): void {
    this.#node.setHold({ usd: 0, tokens: 0 });
    this.#inFlight = undefined;
  }

  #setHold(hold: TreeSpend): void {
    this.#node.setHold(hold);
    this.#inFlight = { hold: { ...hold }, before: { ...this.#node.own } };
  }

  #planFor(room: BudgetRoom): CallPlan {
    const last = this.turnUsage.at(-1);
    const price = this.#o.price;
    return planCall({
      room,
      maxTokens: this.#o.maxTokens,
      // A conversation only grows: the next call reads at least what the last one did.
      estimate: last ? { ...last, output_tokens: 0 } : zeroUsage(),
      price: price && ((usage) => price(this.#o.model, usage)),
      // A top-level thread whose on_exceeded is warn is not held to its own budget (it records the overrun).
      binds: (bound) => bound.kind !== "own" || this.#limits.on_exceeded !== "warn",
    });
  }

  /** A stop at the boundary before `turn`: a decided stop, `max_turns`, or a call the budgets cannot fit. */
  async beforeTurn(turn: number): Promise<StopDecision | undefined> {
    if (this.#stop) return this.#stop;
    if (turn > this.#limits.max_turns) {
      // max_turns is a hard stop whatever on_exceeded says.
      this.#stop = this.#budgetStop(`${turn - 1} of ${this.#limits.max_turns} turns used`);
      return this.#stop;
    }
    const blocked = this.#plan?.blocked;
    if (!blocked) return undefined;
    const { bound, dim, need } = blocked;
    const what = boundText(bound, dim, bound.used);
    const note = `the next call needs about ${amount(dim, need)}, ${amount(dim, bound.left)} left`;
    if (bound.kind !== "own") {
      // A reservation and the budgets above a thread are hard caps, whatever its on_exceeded says.
      this.#stop = this.#budgetStop(`${what}; ${note}`);
      return this.#stop;
    }
    const before = this.#node.limits;
    if ((await this.exceeded(what, "budget", note)) === "stop") return this.#stop;
    // Raised by a decision: plan again from the same reading, with the raise added to the own budget.
    this.reserveCall(this.#raised(this.#room!, before));
    if (!this.#plan?.blocked) return undefined;
    this.#stop ??= this.#budgetStop(`${what} used; ${note}`);
    return this.#stop;
  }

  /** The room as it would have been read with the node's current limits instead of `before`. */
  #raised(room: BudgetRoom, before: TreeLimits): BudgetRoom {
    const after = this.#node.limits;
    const lift = (bound: RoomBound | undefined, delta: number): RoomBound | undefined =>
      bound && bound.kind === "own" && delta > 0
        ? { ...bound, limit: bound.limit + delta, left: bound.left + delta }
        : bound;
    return {
      ...(room.usd
        ? { usd: lift(room.usd, (after.maxCostUsd ?? Infinity) - (before.maxCostUsd ?? Infinity) || 0) }
        : {}),
      ...(room.tokens
        ? {
            tokens: lift(
              room.tokens,
              (after.maxTotalTokens ?? Infinity) - (before.maxTotalTokens ?? Infinity) || 0,
            ),
          }
        : {}),
    };
  }

  /** Accounts one model call's usage and emits its cost; the call's hold becomes its spend. */
  account(turnUsage: Usage, turn: number): void {
    this.turnUsage.push({ ...turnUsage });
    addUsage(this.usage, turnUsage);
    this.#syncOwn();
    this.#node.setHold({ usd: 0, tokens: 0 });
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

  /**
   * Accounts a summarizing call of context compaction: its usage counts against every budget like a
   * model call's (a `cost_update` marked `compaction`), but it is not a turn. Returns what it cost.
   */
  accountCompaction(callUsage: Usage): CostSoFar {
    const before = this.cost();
    addUsage(this.usage, callUsage);
    this.#syncOwn();
    // The next call's hold stays; its cost is measured from here (the compaction is not part of it).
    if (this.#inFlight) this.#inFlight = { ...this.#inFlight, before: { ...this.#node.own } };
    const cost = this.cost();
    this.#o.emit({
      type: "cost_update",
      turn: this.turns,
      turn_usage: { ...callUsage },
      usage: { ...this.usage },
      usd: cost.usd,
      unpriced: cost.unpriced,
      compaction: true,
    });
    return cost.unpriced || before.unpriced ? cost : { usd: cost.usd - before.usd, unpriced: false };
  }

  /**
   * The checks after a model call: the context (the call's own usage decides it), the budget tree from
   * `after` — the room read as the call ended, before its usage was accounted — and the directive's
   * input and output token limits. A crossed reservation or ancestor budget stops the thread whatever its
   * `on_exceeded` says; a top-level thread's own budget follows `on_exceeded`.
   */
  async check(turnUsage: Usage, after?: BudgetRoom): Promise<void> {
    const limits = this.#limits;
    const limit = contextLimit(limits, this.#o.contextWindow);
    const used = contextUsed(turnUsage);
    const flight = this.#inFlight;
    this.#inFlight = undefined;
    if (limit !== undefined && used > limit) {
      // The context budget always ends the thread: the next call could not fit anyway.
      this.#stop = this.#contextStop(`Context exceeded: ${used} of ${limit} tokens in one call`);
      return;
    }
    const threshold = limits.context_warning_threshold ?? 0.8;
    if (limit !== undefined && !this.#contextWarned && !this.compacting() && used >= threshold * limit) {
      this.#contextWarned = true;
      const message = `Context warning: the last call used ${used} of ${limit} tokens (${Math.round((used / limit) * 100)}%). Finish soon: summarise, avoid loading more, and stop when the directive is done.`;
      this.#o.emit({ type: "warning", kind: "context", message });
      this.#notes.push(message);
    }
    const crossed = this.#crossed(after ?? this.readRoom(), flight, after !== undefined);
    if (crossed && crossed.bound.kind !== "own") {
      // A reservation and the budgets above a thread are hard caps, whatever its on_exceeded says.
      this.#stop ??= this.#budgetStop(boundText(crossed.bound, crossed.dim, crossed.used));
      return;
    }
    if (crossed) {
      if ((await this.exceeded(boundText(crossed.bound, crossed.dim, crossed.used), "budget")) === "stop")
        return;
    }
    // The directive's own input and output limits (the tree's dimensions are checked above).
    const { max_cost_usd: _usd, max_total_tokens: _tokens, ...own } = limits;
    const over = costExceeded(own, this.usage, this.cost());
    if (over) await this.exceeded(over, "budget");
  }

  /**
   * The first bound the call took past its limit. `room` was read with the call's hold still in place
   * (`held`: before its usage was accounted), or now, after.
   */
  #crossed(
    room: BudgetRoom | undefined,
    flight: { hold: TreeSpend; before: TreeSpend } | undefined,
    held: boolean,
  ): { bound: RoomBound; dim: "usd" | "tokens"; used: number } | undefined {
    if (!room) return undefined;
    for (const dim of ["usd", "tokens"] as const) {
      const bound = room[dim];
      if (!bound) continue;
      // Read as the call ended: its hold counted, its cost not yet; the cost replaces the hold.
      const cost = this.#node.own[dim] - (flight?.before[dim] ?? this.#node.own[dim]);
      const used = held ? bound.used - (flight?.hold[dim] ?? 0) + cost : bound.used;
      if (used > bound.limit + EPSILON) return { bound, dim, used };
    }
    return undefined;
  }

  /**
   * Applies the directive's on_exceeded to a tripped budget or a limit a harness reported. `note`: why
   * the next call cannot start, when that is what tripped it.
   */
  async exceeded(what: string, kind: string, note?: string): Promise<"continue" | "stop"> {
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
      const reason = note ? `${what}; ${note}` : what;
      this.#o.emit({ type: "signal", kind: "escalate", reason });
      const decision = await this.#o.escalate({
        reason,
        usage: { ...this.usage },
        limits: { ...limits },
      });
      if (decision.action === "raise") {
        this.#limits = { ...limits, ...decision.limits };
        this.#raiseNode(decision.limits);
        if (!(kind === "budget" && this.#stillOver())) return "continue";
      }
    }
    this.#stop ??=
      kind === "budget"
        ? this.#budgetStop(`${what} used${note ? `; ${note}` : ""}`)
        : kind === "context"
          ? this.#contextStop(`Context exceeded: ${what}`)
          : { status: "completed", reason: `${kind}_detected` };
    return "stop";
  }

  /** An escalation's raised cost figures move a top-level thread's own node (a child's are its reservation). */
  #raiseNode(limits: Partial<CostLimits>): void {
    if (this.#node.parent) return;
    const raise: { maxCostUsd?: number; maxTotalTokens?: number } = {};
    if (typeof limits.max_cost_usd === "number") raise.maxCostUsd = limits.max_cost_usd;
    if (typeof limits.max_total_tokens === "number") raise.maxTotalTokens = limits.max_total_tokens;
    if (raise.maxCostUsd !== undefined || raise.maxTotalTokens !== undefined) this.#node.raise(raise);
  }

  /** After a raise: still over a limit with what has been spent (own usage and the children's)? */
  #stillOver(): boolean {
    const spent = this.#node.spent();
    const l = this.#limits;
    if (l.max_cost_usd !== undefined && spent.usd > l.max_cost_usd + EPSILON) return true;
    if (l.max_total_tokens !== undefined && spent.tokens > l.max_total_tokens) return true;
    const { max_cost_usd: _usd, max_total_tokens: _tokens, ...own } = l;
    return costExceeded(own, this.usage, this.cost()) !== undefined;
  }

  #contextStop(message: string): StopDecision {
    this.#o.emit({ type: "context_exceeded", message });
    this.#stopMessage = message;
    return { status: "stopped", reason: "context_exceeded" };
  }

  /** `detail`: what was used of which budget ("600 of 500 tokens used", "… of its $0.50 reservation used"). */
  #budgetStop(detail: string): StopDecision {
    const message = `Budget exceeded: ${detail}`;
    this.#o.emit({ type: "budget_exceeded", message });
    this.#stopMessage = message;
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
