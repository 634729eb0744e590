import { describe, expect, it } from "vitest";
import { BudgetNode, reserve, reservedPart } from "./budget-tree";

function child(parent: BudgetNode, requested: { max_cost_usd?: number; max_total_tokens?: number }) {
  const limits = reserve(parent, requested);
  return new BudgetNode(limits, parent, reservedPart(limits, requested));
}

describe("budget tree", () => {
  it("caps a child's request at the parent's remainder and holds it back from siblings", () => {
    const root = new BudgetNode({ max_total_tokens: 1000, max_cost_usd: 1 });
    root.own.tokens = 300;
    const a = child(root, { max_total_tokens: 5000 });
    expect(a.limits.max_total_tokens).toBe(700);
    expect(a.limits.max_cost_usd).toBe(1); // not asked for: capped, not reserved
    expect(root.remaining().tokens).toBe(0);
    expect(() => child(root, { max_total_tokens: 10 })).toThrow(
      expect.objectContaining({ code: "BUDGET_EXCEEDED" }),
    );
  });

  it("rolls spend up the tree and frees what a finished child did not use", () => {
    const root = new BudgetNode({ max_total_tokens: 1000 });
    const a = child(root, { max_total_tokens: 400 });
    const b = child(a, { max_total_tokens: 100 });
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
    const root = new BudgetNode({ max_total_tokens: 1000 });
    const a = child(root, {});
    const b = child(root, {});
    expect(a.limits.max_total_tokens).toBe(1000);
    expect(b.limits.max_total_tokens).toBe(1000);
    a.own.tokens = 600;
    expect(child(root, {}).limits.max_total_tokens).toBe(400);
  });

  it("an unlimited parent gives children exactly what they ask", () => {
    const root = new BudgetNode({});
    expect(child(root, { max_cost_usd: 0.5 }).limits).toEqual({ max_cost_usd: 0.5 });
    expect(child(root, {}).limits).toEqual({});
  });
});
