import { describe, expect, it } from "vitest";
import { ErrorCode, fromToolFailure, isToolFailure, KiwiError, toToolFailure } from "./index";

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

  it("turns a tool-boundary failure back into the KiwiError it came from", () => {
    const original = new KiwiError({
      code: ErrorCode.HTTP_ERROR,
      message: "HTTP 503 from https://example.test",
      context: { status: 503 },
      retryable: true,
    });
    const cause = { step: "execute" };
    const back = fromToolFailure(toToolFailure(original), cause);
    expect(KiwiError.isInstance(back)).toBe(true);
    expect(back).toMatchObject({ code: "HTTP_ERROR", message: original.message, retryable: true });
    expect(back.context).toEqual({ status: 503 });
    expect(back.cause).toBe(cause);
    expect(back.toJSON()).toEqual(original.toJSON());
    // A failure written by hand (no retryable) is not retryable.
    const bare = fromToolFailure({ success: false, error: { code: "X", message: "m" } as never });
    expect(bare.retryable).toBe(false);
  });
});
