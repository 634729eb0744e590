import { describe, expect, it } from "vitest";
import { parseItemRef } from "./item-ref";

describe("parseItemRef", () => {
  it("parses bare ids and category paths", () => {
    expect(parseItemRef("greet")).toEqual({ id: "greet" });
    expect(parseItemRef("core/api/run_directive")).toEqual({ id: "run_directive", category: "core/api" });
  });

  it.each([
    "../secret",
    "a/../b",
    "/etc/passwd",
    "C:/x",
    "a\\b",
    "a\0b",
    "%2e%2e/x",
    ".hidden",
    "a//b",
    "",
    "..",
    "a/./b",
  ])("refuses %j with INVALID_ITEM_ID", (raw) => {
    expect(() => parseItemRef(raw)).toThrowError(expect.objectContaining({ code: "INVALID_ITEM_ID" }));
  });
});
