import { KiwiError } from "@kiwi/spec";

/** The budgets that roll up a thread tree: spend in USD and tokens (turns stay per thread). */
export interface TreeLimits {
  readonly maxCostUsd?: number;
  readonly maxTotalTokens?: number;
}

/**
 * TreeLimits as they are written down: in the registry's `budget` column, transcript events and the
 * spawn result a model reads (the directive's `<cost>` names).
 */
export interface TreeLimitsRecord {
  readonly max_cost_usd?: number;
  readonly max_total_tokens?: number;
}

export interface TreeSpend {
  usd: number;
  tokens: number;
}

/**
 * Which budget bounds a thread's next model call in one dimension: `own` (a top-level thread's own
 * budget: its `on_exceeded` applies), `reservation` (the figure a child reserved), `cap` (a child
 * without a figure: its parent's remainder when it was spawned) or `tree` (an ancestor's budget, shared
 * with the rest of its tree). All but `own` are hard caps, whatever the thread's `on_exceeded` says.
 */
export interface RoomBound {
  readonly kind: "own" | "reservation" | "cap" | "tree";
  /** The thread whose budget it is (unset for a node built without an id). */
  readonly thread_id?: string;
  readonly limit: number;
  /** What that budget has used: spend, calls in flight and, for a shared remainder, siblings' reservations. */
  readonly used: number;
  /** The part of `used` that calls in flight hold (freed as they end). */
  readonly held: number;
  /** limit − used: what the next call may still cost. */
  readonly left: number;
}

/**
 * The room the tree leaves a thread for its next model call: the tightest bound per dimension (absent:
 * nothing bounds it). Plain data: a thread's journal records it, so a replay decides the same way.
 */
export interface BudgetRoom {
  readonly usd?: RoomBound;
  readonly tokens?: RoomBound;
}

/** Each dimension: its TreeLimits key, its written name, and the spend it limits. */
const KEYS = [
  ["maxCostUsd", "max_cost_usd", "usd"],
  ["maxTotalTokens", "max_total_tokens", "tokens"],
] as const;

type LimitKey = (typeof KEYS)[number][0];
type SpendKey = (typeof KEYS)[number][2];

/** The written form of limits (only the dimensions that are set). */
export function limitsRecord(limits: TreeLimits): TreeLimitsRecord {
  const out: { max_cost_usd?: number; max_total_tokens?: number } = {};
  for (const [key, name] of KEYS) {
    const value = limits[key];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** TreeLimits from their written form (unknown keys and non-numbers are left out). */
export function limitsFromRecord(record: Record<string, unknown> | null | undefined): TreeLimits {
  const out: { maxCostUsd?: number; maxTotalTokens?: number } = {};
  for (const [key, name] of KEYS) {
    const value = record?.[name];
    if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** The written names of the dimensions a node holds in reserve (the registry's `budget.reserved`). */
export function reservedNames(reserved: TreeLimits): string[] {
  return KEYS.filter(([key]) => reserved[key] !== undefined).map(([, name]) => name);
}

/** The reserved part of `limits`, from the written names of the reserved dimensions. */
export function reservedFromNames(limits: TreeLimits, names: unknown): TreeLimits {
  const list = Array.isArray(names) ? names : [];
  const out: { maxCostUsd?: number; maxTotalTokens?: number } = {};
  for (const [key, name] of KEYS) {
    if (list.includes(name) && limits[key] !== undefined) out[key] = limits[key];
  }
  return out;
}

/**
 * A node of the budget tree: one thread's limits, own spend, the call it has in flight and its children.
 *
 * The sharing rule: a child that names a figure of its own *reserves* it (capped at what its parent has
 * left) — held back from its siblings until it ends, when what it did not use returns to the parent. A
 * child without a figure reserves nothing: it draws on its parent's unreserved remainder, which it
 * shares with its siblings and the parent itself. Every model call of every thread is checked against
 * every budget above it (`room`), and holds what it may cost (`hold`) until its usage is accounted, so
 * neither siblings running at once nor a parent waiting for its children can take the tree past its
 * cap: spend ≤ limit holds for every node, up to the input a call used beyond its estimate.
 */
export class BudgetNode {
  #limits: TreeLimits;
  #reserved: TreeLimits;
  readonly own: TreeSpend = { usd: 0, tokens: 0 };
  /** What this thread's model call in flight may cost, held from the tree until its usage is accounted (`setHold`). */
  readonly hold: TreeSpend = { usd: 0, tokens: 0 };
  /** Waiters for a hold anywhere in this (root) node's tree to be freed. */
  #freed: (() => void)[] = [];
  readonly children = new Set<BudgetNode>();
  /** The thread this node budgets (named in room bounds and messages). */
  readonly threadId: string | undefined;

  constructor(
    limits: TreeLimits,
    readonly parent?: BudgetNode,
    reserved: TreeLimits = limits,
    threadId?: string,
  ) {
    this.#limits = limits;
    this.#reserved = reserved;
    this.threadId = threadId;
    parent?.children.add(this);
  }

  /** The thread's limits: its reservation or cap (a child), its own budget (a top-level thread). */
  get limits(): TreeLimits {
    return this.#limits;
  }

  /** The dimensions held in reserve for this node (a subset of `limits`). */
  get reserved(): TreeLimits {
    return this.#reserved;
  }

  /** The children whose spend counts here: the live ones, and those only the registry knows. */
  protected kids(): Iterable<BudgetNode> {
    return this.children;
  }

  /** This thread's own spend (a node backed by the registry reads it there). */
  protected ownSpend(): TreeSpend {
    return this.own;
  }

  /** Own spend plus every descendant's: what this node has used of its budget. */
  spent(): TreeSpend {
    const own = this.ownSpend();
    const total = { usd: own.usd, tokens: own.tokens };
    for (const c of this.kids()) {
      const s = c.spent();
      total.usd += s.usd;
      total.tokens += s.tokens;
    }
    return total;
  }

  /** Spend of descendants only (what a harness adds to its own usage to see the tree's). */
  childrenSpent(): TreeSpend {
    const s = this.spent();
    const own = this.ownSpend();
    return { usd: s.usd - own.usd, tokens: s.tokens - own.tokens };
  }

  /** What calls in flight in the subtree hold. */
  held(): TreeSpend {
    const total = { ...this.hold };
    for (const c of this.kids()) {
      const s = c.held();
      total.usd += s.usd;
      total.tokens += s.tokens;
    }
    return total;
  }

  /** Sets what this thread's call in flight holds; freeing any of it wakes `whenFreed` waiters. */
  setHold(hold: TreeSpend): void {
    const freed = hold.usd < this.hold.usd || hold.tokens < this.hold.tokens;
    this.hold.usd = hold.usd;
    this.hold.tokens = hold.tokens;
    if (!freed) return;
    let root: BudgetNode = this;
    while (root.parent) root = root.parent;
    for (const wake of root.#freed.splice(0)) wake();
  }

  /**
   * Resolves when a hold in this tree is next freed (a call in flight ended), when `signal` aborts, or
   * after `timeoutMs` (holds of a tree seen partly through the registry may be freed on other nodes).
   */
  whenFreed(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    const { signal, timeoutMs = 1_000 } = options;
    let root: BudgetNode = this;
    while (root.parent) root = root.parent;
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        const at = root.#freed.indexOf(done);
        if (at >= 0) root.#freed.splice(at, 1);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      root.#freed.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Spend plus what calls in flight in the subtree hold. */
  committed(): TreeSpend {
    const own = this.ownSpend();
    const total = { usd: own.usd + this.hold.usd, tokens: own.tokens + this.hold.tokens };
    for (const c of this.kids()) {
      const s = c.committed();
      total.usd += s.usd;
      total.tokens += s.tokens;
    }
    return total;
  }

  /** What live children still hold in reserve in one dimension (their reservation less what they used). */
  #heldFor(limitKey: LimitKey, spendKey: SpendKey): number {
    let held = 0;
    for (const c of this.kids()) {
      const r = c.reserved[limitKey];
      if (r !== undefined) held += Math.max(0, r - c.committed()[spendKey]);
    }
    return held;
  }

  /**
   * What is left to reserve for a new child, and the remainder children without a figure share: the
   * limit minus what the tree spent or holds for calls in flight, minus what live children still hold in
   * reserve. Infinity when unlimited.
   */
  remaining(): TreeSpend {
    const used = this.committed();
    const out = { usd: Number.POSITIVE_INFINITY, tokens: Number.POSITIVE_INFINITY };
    for (const [limitKey, , spendKey] of KEYS) {
      const limit = this.limits[limitKey];
      if (limit === undefined) continue;
      out[spendKey] = limit - used[spendKey] - this.#heldFor(limitKey, spendKey);
    }
    return out;
  }

  /**
   * The room for this thread's next model call, per dimension: its own limit against its subtree's
   * spend; then, up the tree, each ancestor's limit — against that ancestor's whole subtree where the
   * child on the way holds a reservation there, and against its unreserved remainder (siblings'
   * reservations held back) where it does not. The tightest bound wins.
   */
  room(): BudgetRoom {
    const out: { usd?: RoomBound; tokens?: RoomBound } = {};
    for (const [limitKey, , spendKey] of KEYS) {
      let best: RoomBound | undefined;
      const consider = (bound: Omit<RoomBound, "left" | "held">, node: BudgetNode) => {
        const left = bound.limit - bound.used;
        if (!best || left < best.left) best = { ...bound, left, held: node.held()[spendKey] };
      };
      const ownLimit = this.limits[limitKey];
      if (ownLimit !== undefined) {
        consider(
          {
            kind: !this.parent ? "own" : this.reserved[limitKey] !== undefined ? "reservation" : "cap",
            ...(this.threadId ? { thread_id: this.threadId } : {}),
            limit: ownLimit,
            used: this.committed()[spendKey],
          },
          this,
        );
      }
      let child: BudgetNode = this;
      for (let p = this.parent; p; child = p, p = p.parent) {
        const limit = p.limits[limitKey];
        if (limit === undefined) continue;
        const used =
          child.reserved[limitKey] !== undefined
            ? p.committed()[spendKey]
            : p.committed()[spendKey] + p.#heldFor(limitKey, spendKey);
        consider({ kind: "tree", ...(p.threadId ? { thread_id: p.threadId } : {}), limit, used }, p);
      }
      if (best) out[spendKey] = best;
    }
    return out;
  }

  /**
   * Raises a top-level thread's own limits (an escalation's decision). A child's are its reservation out
   * of its parent's budget: they are not raised here (INVALID_INPUT).
   */
  raise(limits: TreeLimits): void {
    if (this.parent) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "a child thread's budget is its reservation out of its parent's: raise the parent's budget",
        context: {},
      });
    }
    this.#limits = { ...this.#limits, ...limits };
  }

  /**
   * The thread ended: its reservation is released (what it did not use returns to its parent) and its
   * hold dropped; its spend keeps counting. Its limits stay: children still running stay bound by them.
   */
  release(): void {
    this.setHold({ usd: 0, tokens: 0 });
    this.#reserved = {};
  }
}

/**
 * The child's limits: what it asked for, capped by the parent's remaining budget. A parent with nothing
 * left refuses the spawn (BUDGET_EXCEEDED); a child that asks for no limit is capped at the parent's
 * remainder without reserving it (see BudgetNode).
 */
export function reserve(parent: BudgetNode | undefined, requested: TreeLimits): TreeLimits {
  if (!parent) return { ...requested };
  const left = parent.remaining();
  const out: { maxCostUsd?: number; maxTotalTokens?: number } = {};
  for (const [limitKey, name, spendKey] of KEYS) {
    const want = requested[limitKey];
    const avail = left[spendKey];
    if (avail <= 0) {
      throw new KiwiError({
        code: "BUDGET_EXCEEDED",
        message: `the parent thread has no ${name} budget left to reserve for a child (${formatAmount(spendKey, parent.spent()[spendKey])} of ${formatAmount(spendKey, parent.limits[limitKey]!)} used or reserved): finish with what it has, or raise its budget`,
        context: { budget: name, remaining: avail },
      });
    }
    const capped = want === undefined ? avail : Math.min(want, avail);
    if (Number.isFinite(capped)) out[limitKey] = capped;
  }
  return out;
}

function formatAmount(spend: "usd" | "tokens", n: number): string {
  return spend === "usd" ? `$${n.toFixed(4)}` : `${n} tokens`;
}

/** The part of `limits` the child asked for itself: what it holds in reserve. */
export function reservedPart(limits: TreeLimits, requested: TreeLimits): TreeLimits {
  return {
    ...(requested.maxCostUsd !== undefined && limits.maxCostUsd !== undefined
      ? { maxCostUsd: limits.maxCostUsd }
      : {}),
    ...(requested.maxTotalTokens !== undefined && limits.maxTotalTokens !== undefined
      ? { maxTotalTokens: limits.maxTotalTokens }
      : {}),
  };
}
