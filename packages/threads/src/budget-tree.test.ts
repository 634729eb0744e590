import { describe, expect, it } from "vitest";
import { BudgetNode, limitsRecord, reserve, reservedPart } from "./budget-tree";

function child(parent: BudgetNode, requested: { maxCostUsd?: number; maxTotalTokens?: number }) {
  const limits = reserve(parent, requested);
  return new BudgetNode(limits, parent, reservedPart(limits, requested));
}

describe("budget tree", () => {
  it("caps a child's request at the parent's remainder and holds it back from siblings", () => {
    const root = new BudgetNode({ maxTotalTokens: 1000, maxCostUsd: 1 });
    root.own.tokens = 300;
    const a = child(root, { maxTotalTokens: 5000 });
    expect(a.limits.maxTotalTokens).toBe(700);
    expect(a.limits.maxCostUsd).toBe(1); // not asked for: capped, not reserved
    expect(root.remaining().tokens).toBe(0);
    expect(() => child(root, { maxTotalTokens: 10 })).toThrow(
      expect.objectContaining({ code: "BUDGET_EXCEEDED" }),
    );
  });

  it("rolls spend up the tree and frees what a finished child did not use", () => {
    const root = new BudgetNode({ maxTotalTokens: 1000 });
    const a = child(root, { maxTotalTokens: 400 });
    const b = child(a, { maxTotalTokens: 100 });
    b.own.tokens = 80;
    a.own.tokens = 20;
    expect(a.spent().tokens).toBe(100);
    expect(root.spent().tokens).toBe(100);
    expect(root.childrenSpent().tokens).toBe(100);
    expect(root.remaining().tokens).toBe(600); // 1000 − 100 spent − 300 still reserved by a
    a.release();
    expect(root.remaining().tokens).toBe(900);
    expect(root.spent().tokens).toBe(100);
  });

  it("a child without its own figure shares the parent's remainder instead of taking it all", () => {
    const root = new BudgetNode({ maxTotalTokens: 1000 });
    const a = child(root, {});
    const b = child(root, {});
    expect(a.limits.maxTotalTokens).toBe(1000);
    expect(b.limits.maxTotalTokens).toBe(1000);
    a.own.tokens = 600;
    expect(child(root, {}).limits.maxTotalTokens).toBe(400);
  });

  it("an unlimited parent gives children exactly what they ask", () => {
    const root = new BudgetNode({});
    expect(child(root, { maxCostUsd: 0.5 }).limits).toEqual({ maxCostUsd: 0.5 });
    expect(child(root, {}).limits).toEqual({});
  });

  it("is written down under the directive's <cost> names, unset dimensions left out", () => {
    expect(limitsRecord({ maxCostUsd: 0.25, maxTotalTokens: 900 })).toEqual({
      max_cost_usd: 0.25,
      max_total_tokens: 900,
    });
    expect(limitsRecord({ maxTotalTokens: 5 })).toEqual({ max_total_tokens: 5 });
    expect(limitsRecord({})).toEqual({});
  });

  it("names the exhausted budget as the directive does in BUDGET_EXCEEDED", () => {
    const root = new BudgetNode({ maxCostUsd: 0.5 });
    root.own.usd = 0.5;
    expect(() => child(root, {})).toThrow(
      expect.objectContaining({
        code: "BUDGET_EXCEEDED",
        context: { budget: "max_cost_usd", remaining: 0 },
        message: expect.stringContaining(
          "no max_cost_usd budget left to reserve for a child ($0.5000 of $0.5000 used or reserved)",
        ),
      }),
    );
  });
});

describe("the room a thread's next call has", () => {
  it("a child's own limit is its reservation; a sibling's reservation is held back from a child without one", () => {
    const root = new BudgetNode({ maxCostUsd: 1 }, undefined, {}, "root");
    const reserved = child(root, { maxCostUsd: 0.6 });
    const free = new BudgetNode(reserve(root, {}), root, {}, "free");
    expect(reserved.room().usd).toMatchObject({ kind: "reservation", limit: 0.6, left: 0.6 });
    // 1 − 0.6 held for the sibling: the shared remainder is 0.4.
    expect(free.room().usd).toMatchObject({ kind: "cap", limit: 0.4, left: 0.4 });
    free.own.usd = 0.3;
    expect(free.room().usd).toMatchObject({ kind: "cap", left: expect.closeTo(0.1, 9) });
    // The root's own calls see spend and calls in flight, not its children's reservations.
    expect(root.room().usd).toMatchObject({ kind: "own", thread_id: "root", left: expect.closeTo(0.7, 9) });
  });

  it("every budget above counts: a parent's own spend leaves its reserved child less than it reserved", () => {
    const root = new BudgetNode({ maxTotalTokens: 1000 }, undefined, {}, "root");
    const a = child(root, { maxTotalTokens: 600 });
    root.own.tokens = 700;
    expect(a.room().tokens).toMatchObject({ kind: "tree", thread_id: "root", left: 300, used: 700 });
  });

  it("a call in flight holds its room from the rest of the tree until it is freed", async () => {
    const root = new BudgetNode({ maxTotalTokens: 1000 }, undefined, {}, "root");
    const a = new BudgetNode(reserve(root, {}), root, {}, "a");
    const b = new BudgetNode(reserve(root, {}), root, {}, "b");
    a.setHold({ usd: 0, tokens: 900 });
    expect(b.room().tokens).toMatchObject({ left: 100, held: 900 });
    const freed = b.whenFreed();
    a.own.tokens = 200;
    a.setHold({ usd: 0, tokens: 0 });
    await freed;
    expect(b.room().tokens).toMatchObject({ left: 800, held: 0 });
  });

  it("a finished child releases its reservation; its own children stay bound by its limits", () => {
    const root = new BudgetNode({ maxCostUsd: 1 }, undefined, {}, "root");
    const mid = child(root, { maxCostUsd: 0.5 });
    const leaf = child(mid, { maxCostUsd: 0.5 });
    mid.own.usd = 0.1;
    mid.release();
    expect(root.remaining().usd).toBeCloseTo(0.9, 9); // mid's unused 0.4 is the root's again…
    expect(leaf.room().usd).toMatchObject({ left: expect.closeTo(0.4, 9) }); // …but leaf keeps mid's bound
  });

  it("only a top-level thread's own limits are raised (an escalation's decision)", () => {
    const root = new BudgetNode({ maxCostUsd: 1 });
    root.raise({ maxCostUsd: 2 });
    expect(root.limits).toEqual({ maxCostUsd: 2 });
    expect(() => child(root, { maxCostUsd: 0.5 }).raise({ maxCostUsd: 5 })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});
