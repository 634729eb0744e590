import { describe, expect, it } from "vitest";
import { prescanYamlDepth } from "./yaml-depth-prescan";

describe("prescanYamlDepth", () => {
  it("flags flow brackets deeper than the limit, with the position of the first one too deep", () => {
    expect(prescanYamlDepth("a: [[[1]]]", 3)).toBeUndefined();
    expect(prescanYamlDepth("a: [[[[1]]]]", 3)).toEqual({ line: 1, column: 7, kind: "flow" });
    expect(prescanYamlDepth("x: 1\ny: {a: {b: {c: {}}}}", 3)).toMatchObject({ line: 2, kind: "flow" });
  });

  it("ignores brackets inside quoted scalars, comments and block scalars", () => {
    const deep = "[".repeat(10);
    expect(prescanYamlDepth(`a: "${deep}"\nb: '${deep}'`, 3)).toBeUndefined();
    expect(prescanYamlDepth(`a: 1 # ${deep}\n# ${deep}`, 3)).toBeUndefined();
    expect(prescanYamlDepth(`a: |\n  ${deep}\n  more\nb: >-\n    ${deep}\nc: 1`, 3)).toBeUndefined();
  });

  it("counts brackets behind a tag or an anchor", () => {
    expect(prescanYamlDepth("a: !t [[[[1]]]]", 3)).toMatchObject({ kind: "flow", line: 1 });
    expect(prescanYamlDepth("- &x {a: {b: {c: 1}}}", 3)).toBeUndefined();
    expect(prescanYamlDepth("- &x {a: {b: {c: {}}}}", 3)).toMatchObject({ kind: "flow" });
  });

  it("resumes counting after a block scalar ends", () => {
    expect(prescanYamlDepth("a: |\n  text\nb: [[[[1]]]]", 3)).toMatchObject({ line: 3, kind: "flow" });
  });

  it("handles escaped quotes inside quoted scalars", () => {
    expect(prescanYamlDepth(`a: "x\\" [[[["\nb: 'it''s [[[['`, 3)).toBeUndefined();
    expect(prescanYamlDepth(`a: "x\\""\nb: [[[[1]]]]`, 3)).toMatchObject({ line: 2 });
  });

  it("does not treat brackets inside plain text as flow collections", () => {
    expect(prescanYamlDepth("description: use a[0][1][2][3] here", 3)).toBeUndefined();
  });

  it("flags long runs of compact block indicators (- - - x)", () => {
    expect(prescanYamlDepth("- - - x", 3)).toBeUndefined();
    expect(prescanYamlDepth("- - - - x", 3)).toMatchObject({ kind: "indicator", line: 1, column: 7 });
    expect(prescanYamlDepth("? ? ? ? x", 3)).toMatchObject({ kind: "indicator" });
    // Dashes inside text are not indicators.
    expect(prescanYamlDepth("a: x - y - z - w - v", 3)).toBeUndefined();
  });
});
