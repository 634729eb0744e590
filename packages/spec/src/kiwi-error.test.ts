import { describe, expect, it } from "vitest";
import { ErrorCode, isToolFailure, KiwiError, toToolFailure } from "./index";

describe("KiwiError", () => {
  it("serialises to the tool-boundary shape with context flattened", () => {
    const err = new KiwiError({
      code: ErrorCode.ITEM_NOT_FOUND,
      message: "no tool 'x': run search first",
      context: { item_id: "x", code: "ignored" },
    });
    expect(err.toJSON()).toEqual({
      code: "ITEM_NOT_FOUND",
      message: "no tool 'x': run search first",
      item_id: "x",
      retryable: false,
    });
    expect(toToolFailure(err)).toEqual({ success: false, error: err.toJSON() });
  });

  it("is recognised across copies of the package through the shared brand", () => {
    const foreign = Object.assign(new Error("x"), { code: "X" });
    Object.defineProperty(foreign, Symbol.for("kiwi.error"), { value: true });
    expect(KiwiError.isInstance(foreign)).toBe(true);
    expect(KiwiError.isInstance(new Error("plain"))).toBe(false);
    expect(KiwiError.isInstance(null)).toBe(false);
  });

  it("keeps the cause and maps unknown errors to INTERNAL_ERROR", () => {
    const cause = new Error("disk full");
    const err = new KiwiError({ code: "TIMEOUT", message: "t", cause, retryable: true });
    expect(err.cause).toBe(cause);
    expect(err.retryable).toBe(true);
    const failure = toToolFailure(new TypeError("boom"));
    expect(failure.error.code).toBe("INTERNAL_ERROR");
    expect(failure.error.message).toContain("boom");
    expect(isToolFailure(failure)).toBe(true);
    expect(isToolFailure({ success: true })).toBe(false);
  });
});
