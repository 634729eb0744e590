import { describe, expect, it } from "vitest";
import { intersectPatterns } from "./intersect-patterns";
import { isSubPattern } from "./is-sub-pattern";

describe("isSubPattern: paths", () => {
  const yes: [string, string][] = [
    ["src/lib/**", "src/**"],
    ["src/*.ts", "src/**"],
    ["src/*.ts", "src/*"],
    ["src/a/*", "src/*/*"],
    ["dist/js/**", "dist/**"],
    ["**", "**"],
    ["src/**", "**"],
    ["", "**"],
    ["src", "src/**"],
    ["src/a.test.ts", "src/*.ts"],
    ["src/a*b.ts", "src/a*.ts"],
    ["src/*/**", "src/**/*"],
    ["src/**/*", "src/*/**"],
    ["src/**/*.ts", "**/*.ts"],
    ["a/**/b/**/c", "a/**/c"],
    ["a/x/b/y/c", "a/**/b/**/c"],
    ["src/**", "src/**"],
    ["./src//**/", "src/**"],
  ];
  const no: [string, string][] = [
    ["src/**", "src/lib/**"],
    ["**", "src/**"],
    ["**/*", "src/**"],
    ["src/**", "src/*"],
    ["src/*", "src/*.ts"],
    ["src/*/*", "src/a/*"],
    ["src2/**", "src/**"],
    ["src/**", "src"],
    ["src/*.ts", "src/*.tsx"],
    ["src/**", "src/*/**"],
    ["", "**/*"],
    ["**", "**/*"],
    ["a/**/c", "a/**/b/**/c"],
    ["SRC/**", "src/**"],
  ];
  it.each(yes)("%s ⊆ %s", (child, parent) => expect(isSubPattern(child, parent, "path")).toBe(true));
  it.each(no)("%s ⊄ %s", (child, parent) => expect(isSubPattern(child, parent, "path")).toBe(false));

  it("`**` is a sub-pattern only of `**`", () => {
    for (const parent of ["**/*", "*/**", "src/**", "*", ""])
      expect(isSubPattern("**", parent, "path")).toBe(false);
  });

  it("throws when either side is invalid", () => {
    expect(() => isSubPattern("src/[ab]", "**", "path")).toThrow(
      expect.objectContaining({ code: "PATTERN_UNSUPPORTED" }),
    );
    expect(() => isSubPattern("src/**", "../**", "path")).toThrow(
      expect.objectContaining({ code: "PATTERN_ESCAPES_ROOT" }),
    );
  });
});

describe("isSubPattern: tool ids", () => {
  it("prefix wildcards nest, unrelated prefixes do not", () => {
    expect(isSubPattern("github_admin_*", "github_*", "tool_id")).toBe(true);
    expect(isSubPattern("github_list", "github_*", "tool_id")).toBe(true);
    expect(isSubPattern("git*", "github_*", "tool_id")).toBe(false);
    expect(isSubPattern("github_*", "github_admin_*", "tool_id")).toBe(false);
    expect(isSubPattern("github_*", "*", "tool_id")).toBe(true);
    expect(isSubPattern("*", "github_*", "tool_id")).toBe(false);
    expect(isSubPattern("github", "github_*", "tool_id")).toBe(false);
    expect(isSubPattern("*_list", "*", "tool_id")).toBe(true);
    expect(isSubPattern("gh_*_list", "gh_*", "tool_id")).toBe(true);
    expect(isSubPattern("gh_*_list", "*_list", "tool_id")).toBe(true);
  });
});

describe("intersectPatterns", () => {
  it("returns the narrower pattern when one contains the other, undefined otherwise", () => {
    expect(intersectPatterns("src/**", "src/lib/**", "path")).toBe("src/lib/**");
    expect(intersectPatterns("src/lib/**", "src/**", "path")).toBe("src/lib/**");
    expect(intersectPatterns("./src//**", "src/**", "path")).toBe("src/**");
    expect(intersectPatterns("src/**", "dist/**", "path")).toBeUndefined();
    // Overlapping but neither contains the other: no invented third pattern (gap G2).
    expect(intersectPatterns("src/*.ts", "src/a*", "path")).toBeUndefined();
    expect(intersectPatterns("github_*", "github_admin_*", "tool_id")).toBe("github_admin_*");
    expect(intersectPatterns("github_*", "gitlab_*", "tool_id")).toBeUndefined();
  });
});
