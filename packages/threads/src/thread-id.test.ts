import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { MAX_THREAD_ID_LENGTH, sanitizeThreadId, threadIdFor, validateThreadId } from "./thread-id";

describe("thread ids", () => {
  it("accepts letters, digits, _ and - up to the length limit", () => {
    for (const id of ["a", "review_20261125_101500", "A-b_9", "x".repeat(MAX_THREAD_ID_LENGTH)]) {
      expect(validateThreadId(id)).toBe(id);
    }
  });

  it("refuses everything else with INVALID_THREAD_ID and a valid suggestion", () => {
    const hostile: unknown[] = [
      "",
      "../../etc",
      "/abs",
      "a.b",
      "a b",
      "tab\there",
      "nul\0",
      "%2e%2e",
      "ünïcødé",
      "x".repeat(MAX_THREAD_ID_LENGTH + 1),
      42,
      null,
      { toString: () => "obj" },
    ];
    for (const id of hostile) {
      let error: unknown;
      try {
        validateThreadId(id);
      } catch (e) {
        error = e;
      }
      expect(KiwiError.isInstance(error), String(id)).toBe(true);
      const e = error as KiwiError;
      expect(e.code).toBe("INVALID_THREAD_ID");
      const suggestion = (e.context as { suggestion: string }).suggestion;
      expect(validateThreadId(suggestion)).toBe(suggestion);
      expect(e.message).toContain(JSON.stringify(suggestion));
    }
  });

  it("sanitises predictably", () => {
    expect(sanitizeThreadId("../../etc/passwd")).toBe("etc_passwd");
    expect(sanitizeThreadId("café au lait")).toBe("cafe_au_lait");
    expect(sanitizeThreadId("...")).toBe("thread");
  });

  it("names threads <directive>_<YYYYMMDD>_<HHMMSS> in UTC", () => {
    const at = new Date(Date.UTC(2026, 10, 5, 7, 3, 9));
    expect(threadIdFor("code_review", at)).toBe("code_review_20261105_070309");
    expect(threadIdFor("team/code review", at)).toBe("team_code_review_20261105_070309");
    const long = threadIdFor("d".repeat(500), at);
    expect(long.length).toBeLessThanOrEqual(MAX_THREAD_ID_LENGTH);
    expect(validateThreadId(long)).toBe(long);
  });
});
