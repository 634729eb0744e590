import { describe, expect, it } from "vitest";
import { closestName } from "./closest-name";

describe("closestName", () => {
  const known = ["requires", "executor_id", "path", "parameters", "version"];

  it.each([
    ["requires_all", "requires"],
    ["requries", "requires"],
    ["executor", "executor_id"],
    ["pat", "path"],
    ["Version", "version"],
    ["paramters", "parameters"],
  ])("%s → %s", (typo, meant) => {
    expect(closestName(typo, known)).toBe(meant);
  });

  it("suggests nothing for unrelated names", () => {
    expect(closestName("colour", known)).toBeUndefined();
    expect(closestName("x", known)).toBeUndefined();
    expect(closestName("anything", [])).toBeUndefined();
  });
});
