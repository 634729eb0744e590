import {
  BudgetNode,
  limitsFromRecord,
  reservedFromNames,
  type TreeLimits,
  type TreeSpend,
} from "./budget-tree";
import type { ThreadRow } from "./registry/rows";
import { isTerminal } from "./registry/statuses";

/** Where recorded nodes read the tree: the registry's rows, and the nodes of threads this process runs. */
export interface RecordedTree {
  row(threadId: string): ThreadRow | undefined;
  children(threadId: string): ThreadRow[];
  /** The in-memory node of a thread this process runs. */
  live(threadId: string): BudgetNode | undefined;
}

/** The reserved part of a row's budget: its `reserved` names (rows written before them: every figure). */
export function reservationOf(budget: Record<string, unknown> | null | undefined): {
  limits: TreeLimits;
  reserved: TreeLimits;
} {
  const limits = limitsFromRecord(budget);
  const names = budget?.reserved;
  return { limits, reserved: names === undefined ? limits : reservedFromNames(limits, names) };
}

function spendOf(row: ThreadRow | undefined): TreeSpend {
  const u = row?.usage ?? {};
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return { usd: num(u.usd), tokens: num(u.input_tokens) + num(u.output_tokens) };
}

/**
 * A live node whose children include the ones only the registry knows: threads that ended before this
 * process resumed it, and threads other processes run. A resumed thread gets one, so the spend its
 * children made before the crash, or make elsewhere, keeps counting against it.
 */
export class LinkedBudgetNode extends BudgetNode {
  constructor(
    protected readonly tree: RecordedTree,
    options: { limits: TreeLimits; reserved: TreeLimits; threadId: string; parent?: BudgetNode },
  ) {
    super(options.limits, options.parent, options.reserved, options.threadId);
  }

  protected override kids(): Iterable<BudgetNode> {
    const known = new Set<string | undefined>([...this.children].map((c) => c.threadId));
    const out: BudgetNode[] = [...this.children];
    for (const row of this.tree.children(this.threadId!)) {
      if (known.has(row.thread_id)) continue;
      out.push(this.tree.live(row.thread_id) ?? new RecordedBudgetNode(this.tree, row.thread_id, this));
    }
    return out;
  }
}

/**
 * A thread this process does not run, seen through the registry: its recorded budget (`budget`, with the
 * names of the reserved figures; released once it has ended), its own spend (`usage`, kept current by the
 * process that runs it) and its children. It stands in for the ancestors of a resumed thread whose parent
 * runs elsewhere, and for children that ended or run elsewhere. It never joins a live node's children:
 * live nodes find it through the registry.
 */
export class RecordedBudgetNode extends LinkedBudgetNode {
  constructor(tree: RecordedTree, threadId: string, parent?: BudgetNode) {
    super(tree, { limits: {}, reserved: {}, threadId, ...(parent ? { parent } : {}) });
    parent?.children.delete(this);
  }

  /** A stand-in for `threadId`'s parent and its ancestors, from the registry (undefined at the top). */
  static ancestorsOf(tree: RecordedTree, parentId: string | null): BudgetNode | undefined {
    if (parentId === null) return undefined;
    const live = tree.live(parentId);
    if (live) return live;
    const row = tree.row(parentId);
    if (!row) return undefined;
    return new RecordedBudgetNode(tree, parentId, RecordedBudgetNode.ancestorsOf(tree, row.parent_id));
  }

  override get limits(): TreeLimits {
    return reservationOf(this.tree.row(this.threadId!)?.budget).limits;
  }

  override get reserved(): TreeLimits {
    const row = this.tree.row(this.threadId!);
    return row && !isTerminal(row.status) ? reservationOf(row.budget).reserved : {};
  }

  protected override ownSpend(): TreeSpend {
    return spendOf(this.tree.row(this.threadId!));
  }
}
