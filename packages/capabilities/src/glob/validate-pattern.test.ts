import { describe, expect, it } from "vitest";
import { validatePattern } from "./validate-pattern";

function codeOf(run: () => unknown): { code: string; reason: unknown } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    const e = error as { code: string; context: { reason?: unknown } };
    return { code: e.code, reason: e.context?.reason };
  }
}

describe("validatePattern: path patterns", () => {
  it("accepts the dialect and returns it unchanged when already normal", () => {
    for (const pattern of ["src/**", "src/*.ts", "**", "**/*", "src/a/*", ".github/**", "a*b*c", "@kiwi/x"]) {
      expect(validatePattern(pattern, "path")).toBe(pattern);
    }
  });

  it("S10: drops empty and `.` segments, one rule for every spelling", () => {
    expect(validatePattern("./dist/**", "path")).toBe("dist/**");
    expect(validatePattern("dist//x", "path")).toBe("dist/x");
    expect(validatePattern("dist/", "path")).toBe("dist");
    expect(validatePattern("dist/**/", "path")).toBe("dist/**");
    expect(validatePattern("././dist/./x/", "path")).toBe("dist/x");
  });

  it("S12: `.` and the empty pattern both mean the project root only; `**` and `**/*` are valid", () => {
    expect(validatePattern("", "path")).toBe("");
    expect(validatePattern(".", "path")).toBe("");
    expect(validatePattern("./", "path")).toBe("");
    expect(validatePattern("**", "path")).toBe("**");
    expect(validatePattern("**/*", "path")).toBe("**/*");
  });

  it("collapses repeated `**` segments", () => {
    expect(validatePattern("**/**/x/**/**", "path")).toBe("**/x/**");
  });

  it("NFC-normalises (S13)", () => {
    expect(validatePattern("cafe\u0301/**", "path")).toBe("caf\u00e9/**");
  });

  it("allows `*` several times inside a segment but not `**` inside one", () => {
    expect(validatePattern("a*b*c*.ts", "path")).toBe("a*b*c*.ts");
    for (const pattern of ["a**", "**.ts", "src/***", "x/a**b"]) {
      expect(codeOf(() => validatePattern(pattern, "path"))).toEqual({
        code: "PATTERN_UNSUPPORTED",
        reason: "double_star",
      });
    }
  });

  it("refuses non-string input", () => {
    expect(codeOf(() => validatePattern(42 as unknown as string, "path"))?.code).toBe("PATTERN_UNSUPPORTED");
  });

  it("says what to do in the message", () => {
    expect(() => validatePattern("src/{a,b}", "path")).toThrow(/list several grants/);
    expect(() => validatePattern("../x", "path")).toThrow(/without `\.\.`/);
  });
});

describe("validatePattern: tool-id patterns", () => {
  it("accepts ids and prefix wildcards", () => {
    expect(validatePattern("github_*", "tool_id")).toBe("github_*");
    expect(validatePattern("fs_read", "tool_id")).toBe("fs_read");
    expect(validatePattern("*_list", "tool_id")).toBe("*_list");
  });

  it("S15: the bare `*` is refused unless allowOmnibus", () => {
    expect(codeOf(() => validatePattern("*", "tool_id"))).toEqual({
      code: "PATTERN_UNSUPPORTED",
      reason: "omnibus",
    });
    expect(validatePattern("*", "tool_id", { allowOmnibus: true })).toBe("*");
  });

  it("refuses upper case, slashes, `**`, empty and other characters", () => {
    for (const pattern of ["GITHUB_*", "github/*", "github-*", "github_**", "", "git hub", "a.b"]) {
      expect(codeOf(() => validatePattern(pattern, "tool_id"))?.code).toBe("PATTERN_UNSUPPORTED");
    }
  });
});
