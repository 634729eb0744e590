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

/** Each dimension: its TreeLimits key, its written name, and the spend it limits. */
const KEYS = [
  ["maxCostUsd", "max_cost_usd", "usd"],
  ["maxTotalTokens", "max_total_tokens", "tokens"],
] as const;

/** The written form of limits (only the dimensions that are set). */
export function limitsRecord(limits: TreeLimits): TreeLimitsRecord {
  const out: { max_cost_usd?: number; max_total_tokens?: number } = {};
  for (const [key, name] of KEYS) {
    const value = limits[key];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * A node of the budget tree: its limits, own spend and children. A child's limits are always capped by
 * what its parent had left; only the dimensions the child asked for explicitly are *reserved* (held back
 * from its siblings). A child without its own figure may spend up to the parent's remainder, shared.
 */
export class BudgetNode {
  readonly limits: TreeLimits;
  /** The dimensions held in reserve for this node (a subset of `limits`). */
  readonly reserved: TreeLimits;
  readonly own: TreeSpend = { usd: 0, tokens: 0 };
  readonly children = new Set<BudgetNode>();

  constructor(
    limits: TreeLimits,
    readonly parent?: BudgetNode,
    reserved: TreeLimits = limits,
  ) {
    this.limits = limits;
    this.reserved = reserved;
    parent?.children.add(this);
  }

  /** Own spend plus every descendant's: what this node has used of its budget. */
  spent(): TreeSpend {
    const total = { ...this.own };
    for (const c of this.children) {
      const s = c.spent();
      total.usd += s.usd;
      total.tokens += s.tokens;
    }
    return total;
  }

  /** Spend of descendants only (what a harness adds to its own usage to see the tree's). */
  childrenSpent(): TreeSpend {
    const s = this.spent();
    return { usd: s.usd - this.own.usd, tokens: s.tokens - this.own.tokens };
  }

  /**
   * What is left to reserve for a new child: the limit minus what the tree spent minus what live
   * children still hold in reserve (a child's reservation less its spend). Infinity when unlimited.
   */
  remaining(): TreeSpend {
    const spent = this.spent();
    const out = { usd: Number.POSITIVE_INFINITY, tokens: Number.POSITIVE_INFINITY };
    for (const [limitKey, , spendKey] of KEYS) {
      const limit = this.limits[limitKey];
      if (limit === undefined) continue;
      let held = 0;
      for (const c of this.children) {
        const cl = c.reserved[limitKey];
        if (cl !== undefined) held += Math.max(0, cl - c.spent()[spendKey]);
      }
      out[spendKey] = limit - spent[spendKey] - held;
    }
    return out;
  }

  /** Ends a child's reservation (its spend stays in the tree). */
  release(): void {
    // A finished child keeps counting its spend, but holds no more reserve: freeze its limits at spend.
    const s = this.spent();
    (this as { reserved: TreeLimits }).reserved = {};
    (this as { limits: TreeLimits }).limits = {
      ...(this.limits.maxCostUsd !== undefined ? { maxCostUsd: s.usd } : {}),
      ...(this.limits.maxTotalTokens !== undefined ? { maxTotalTokens: s.tokens } : {}),
    };
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
