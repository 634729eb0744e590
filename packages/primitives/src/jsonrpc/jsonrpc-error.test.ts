import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { describeJsonRpcCode, jsonRpcErrorToKiwi } from "./jsonrpc-error";

describe("jsonRpcErrorToKiwi", () => {
  it.each([
    [-32700, "parse error"],
    [-32600, "invalid request"],
    [-32601, "method not found"],
    [-32602, "invalid params"],
    [-32603, "internal error"],
    [-32050, "server error"],
    [42, "application error"],
  ])("explains code %i as %s", (code, words) => {
    expect(describeJsonRpcCode(code)).toContain(words);
    const error = jsonRpcErrorToKiwi({ code, message: "peer says no" });
    expect(error.message).toContain(words);
    expect(error.message).toContain("peer says no");
  });

  it("is a KiwiError JSONRPC_ERROR carrying jsonrpc_code, the peer's message and data", () => {
    const error = jsonRpcErrorToKiwi({ code: -32602, message: "bad", data: { field: "x" } }, { method: "m" });
    expect(KiwiError.isInstance(error)).toBe(true);
    expect(error.code).toBe("JSONRPC_ERROR");
    expect(error.toJSON()).toMatchObject({
      code: "JSONRPC_ERROR",
      jsonrpc_code: -32602,
      jsonrpc_message: "bad",
      data: { field: "x" },
      method: "m",
      retryable: false,
    });
  });

  it("omits data when the peer sent none", () => {
    expect("data" in jsonRpcErrorToKiwi({ code: 1, message: "m" }).context).toBe(false);
  });
});
