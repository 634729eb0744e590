import { describe, expect, it } from "vitest";
import type { Grant } from "../grant";
import { orchestrationAdmits } from "./orchestration-admits";

const rule = (scope: Partial<Record<string, unknown>>): Grant =>
  ({
    cap: "orchestration.spawn",
    scope: {
      enabled: true,
      allow_categories: [],
      deny_categories: [],
      allow_directives: [],
      deny_directives: [],
      ...scope,
    },
  }) as Grant;

describe("orchestrationAdmits", () => {
  it("admits anything with open lists and nothing without a grant", () => {
    expect(orchestrationAdmits([rule({})], { name: "a", category: "x" })).toBeDefined();
    expect(orchestrationAdmits([{ cap: "kiwi.search" }], { name: "a", category: "x" })).toBeUndefined();
  });
  it("deny wins over allow, by name glob and by category prefix", () => {
    const g = [rule({ allow_directives: ["research_*"], deny_directives: ["research_secret"] })];
    expect(orchestrationAdmits(g, { name: "research_web", category: "" })).toBeDefined();
    expect(orchestrationAdmits(g, { name: "research_secret", category: "" })).toBeUndefined();
    expect(orchestrationAdmits(g, { name: "deploy", category: "" })).toBeUndefined();
    const c = [rule({ allow_categories: ["work"], deny_categories: ["work/private"] })];
    expect(orchestrationAdmits(c, { name: "a", category: "work/public" })).toBeDefined();
    expect(orchestrationAdmits(c, { name: "a", category: "work/private/x" })).toBeUndefined();
    expect(orchestrationAdmits(c, { name: "a", category: "workshop" })).toBeUndefined();
  });
  it("a disabled rule admits nothing", () => {
    expect(orchestrationAdmits([rule({ enabled: false })], { name: "a", category: "" })).toBeUndefined();
  });
});
