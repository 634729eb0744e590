import { describe, expect, it } from "vitest";
import { matchPath } from "./match-path";

describe("matchPath", () => {
  it("S1: `*` never crosses `/` (gap G1 regression)", () => {
    expect(matchPath("src/*", "src/a/b.ts")).toBe(false);
    expect(matchPath("src/*", "src/a.ts")).toBe(true);
  });

  it("S2: `**` spans directories", () => {
    expect(matchPath("src/**", "src/a.ts")).toBe(true);
    expect(matchPath("src/**", "src/a/b/c.ts")).toBe(true);
    expect(matchPath("src/**/c.ts", "src/c.ts")).toBe(true);
    expect(matchPath("src/**/c.ts", "src/a/b/c.ts")).toBe(true);
    expect(matchPath("**/c.ts", "c.ts")).toBe(true);
    expect(matchPath("a/**/b/**/c", "a/x/b/y/z/c")).toBe(true);
    expect(matchPath("a/**/b/**/c", "a/x/y/z/c")).toBe(false);
  });

  it('S3 (pinned): `src/**` matches `src` itself; `**` matches the project root `""`', () => {
    expect(matchPath("src/**", "src")).toBe(true);
    expect(matchPath("**", "")).toBe(true);
    expect(matchPath("src/*", "src")).toBe(false);
    expect(matchPath("**/*", "")).toBe(false);
    expect(matchPath("", "")).toBe(true);
    expect(matchPath("", "src")).toBe(false);
  });

  it("S5: a pattern is not a prefix (CVE-2025-53110 trap)", () => {
    expect(matchPath("src", "src2/x")).toBe(false);
    expect(matchPath("src", "src-old/x")).toBe(false);
    expect(matchPath("src", "src/x")).toBe(false);
    expect(matchPath("src/**", "src2/x")).toBe(false);
    expect(matchPath("src/**", "src-old")).toBe(false);
  });

  it("S6: dotfiles are ordinary names", () => {
    expect(matchPath("src/**", "src/.env")).toBe(true);
    expect(matchPath("*", ".env")).toBe(true);
    expect(matchPath("**", ".git/config")).toBe(true); // protected paths are a separate, deny-first check
  });

  it("S7: case-sensitive", () => {
    expect(matchPath("src/**", "SRC/a.ts")).toBe(false);
    expect(matchPath("*.TS", "a.ts")).toBe(false);
  });

  it("`*` (pinned) matches one or more characters, anywhere and several times in a segment", () => {
    expect(matchPath("*.ts", "a.ts")).toBe(true);
    expect(matchPath("*.ts", ".ts")).toBe(false);
    expect(matchPath("a*", "a")).toBe(false);
    expect(matchPath("a*", "ab")).toBe(true);
    expect(matchPath("a*b*c", "axbyc")).toBe(true);
    expect(matchPath("a*b*c", "abc")).toBe(false);
    expect(matchPath("a*b*c", "axbc")).toBe(false);
    expect(matchPath("*a*", "xay")).toBe(true);
    expect(matchPath("*a*", "aa")).toBe(false);
    expect(matchPath("*a*", "aaa")).toBe(true);
    expect(matchPath("*", "x")).toBe(true);
  });

  it("S13: NFC on both sides", () => {
    expect(matchPath("caf\u00e9/**", "cafe\u0301/x")).toBe(true);
    expect(matchPath("cafe\u0301/**", "caf\u00e9/x")).toBe(true);
  });

  it("never matches a non-canonical path (fail closed)", () => {
    for (const path of [
      "/src/a",
      "src//a",
      "src/./a",
      "src/../src/a",
      "src/a/",
      "./src/a",
      "src\\a",
      "src/\u200ba",
    ]) {
      expect(matchPath("**", path)).toBe(false);
    }
  });

  it("S4: `src/../secrets/k` is not canonical, so it is never matched as written", () => {
    expect(matchPath("src/**", "src/../secrets/k")).toBe(false);
    expect(matchPath("src/**", "secrets/k")).toBe(false);
  });

  it("throws on an invalid pattern", () => {
    expect(() => matchPath("src/{a,b}", "src/a")).toThrow(
      expect.objectContaining({ code: "PATTERN_UNSUPPORTED" }),
    );
  });

  it("normalised spellings match the same (S10)", () => {
    expect(matchPath("./dist//x", "dist/x")).toBe(true);
    expect(matchPath("dist/", "dist")).toBe(true);
    expect(matchPath("dist/", "dist/a")).toBe(false);
  });
});
