import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import {
  encodeJsonRpc,
  isJsonRpcNotification,
  isJsonRpcRequest,
  isJsonRpcResponse,
  parseJsonRpcMessage,
} from "./jsonrpc-message";

function parseError(line: string): KiwiError {
  try {
    parseJsonRpcMessage(line);
  } catch (error) {
    if (KiwiError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`expected ${line} to be refused`);
}

describe("parseJsonRpcMessage", () => {
  it.each([
    ['{"jsonrpc":"2.0","id":1,"method":"a","params":{"x":1}}', "request"],
    ['{"jsonrpc":"2.0","id":"abc","method":"a","params":[1]}', "request"],
    ['{"jsonrpc":"2.0","method":"note"}', "notification"],
    ['{"jsonrpc":"2.0","id":1,"result":null}', "response"],
    ['{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}', "response"],
    ['{"jsonrpc":"2.0","id":7,"error":{"code":5,"message":"m","data":[1]}}', "response"],
  ])("accepts %s as a %s", (line, kind) => {
    const message = parseJsonRpcMessage(line);
    expect(message).toEqual(JSON.parse(line));
    expect(
      { request: isJsonRpcRequest, notification: isJsonRpcNotification, response: isJsonRpcResponse }[
        kind as "request"
      ](message),
    ).toBe(true);
  });

  it("refuses invalid JSON with -32700 and a short preview", () => {
    const error = parseError(`not json ${"x".repeat(500)}`);
    expect(error.code).toBe("JSONRPC_ERROR");
    expect(error.context).toMatchObject({ jsonrpc_code: -32700, reason: "parse_error" });
    expect(String(error.context.preview).length).toBeLessThanOrEqual(81);
  });

  it.each([
    ["[]", "batches"],
    ["42", "object"],
    ["null", "object"],
    ['{"id":1,"method":"a"}', "jsonrpc"],
    ['{"jsonrpc":"1.0","id":1,"method":"a"}', "jsonrpc"],
    ['{"jsonrpc":"2.0","id":1,"method":"a","extra":1}', "extra"],
    ['{"jsonrpc":"2.0","id":1,"method":5}', "method"],
    ['{"jsonrpc":"2.0","id":1,"method":""}', "method"],
    ['{"jsonrpc":"2.0","id":{},"method":"a"}', "id"],
    ['{"jsonrpc":"2.0","id":null,"method":"a"}', "id"],
    ['{"jsonrpc":"2.0","id":1,"method":"a","params":"x"}', "params"],
    ['{"jsonrpc":"2.0","id":1,"method":"a","result":1}', "result"],
    ['{"jsonrpc":"2.0","id":1}', "exactly one"],
    ['{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}}', "exactly one"],
    ['{"jsonrpc":"2.0","id":null,"result":1}', "id"],
    ['{"jsonrpc":"2.0","id":1,"error":"boom"}', "error"],
    ['{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}', "error.code"],
    ['{"jsonrpc":"2.0","id":1,"error":{"code":1}}', "error.message"],
    ['{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","stack":"x"}}', "error.stack"],
  ])("refuses %s with -32600 (mentions %s)", (line, hint) => {
    const error = parseError(line);
    expect(error.code).toBe("JSONRPC_ERROR");
    expect(error.context.jsonrpc_code).toBe(-32600);
    expect(error.message).toContain(hint);
  });

  it("does not die on deeply nested JSON", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(() => parseJsonRpcMessage(deep)).toThrow(KiwiError);
  });
});

describe("encodeJsonRpc", () => {
  it("writes one line even when strings contain newlines, and round-trips", () => {
    const message = { jsonrpc: "2.0" as const, id: 1, method: "a", params: { text: "x\ny\r\nz\u2028" } };
    const line = encodeJsonRpc(message);
    expect(line).not.toMatch(/[\r\n]/);
    expect(parseJsonRpcMessage(line)).toEqual(message);
  });
});
