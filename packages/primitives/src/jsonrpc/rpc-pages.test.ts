import { describe, expect, it } from "vitest";
import { PageCollector, readRpcPages } from "./rpc-pages";

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string; context?: { reason?: string } }).code;
  }
  return "none";
};

describe("rpc pages", () => {
  it("reads MCP's names by default and refuses unknown fields, bad names and bounds", () => {
    expect(readRpcPages("pages", { list: "tools" })).toEqual({
      list: "tools",
      next: "nextCursor",
      param: "cursor",
      maxPages: 50,
      maxItems: 5000,
    });
    for (const bad of [
      { list: "__proto__" },
      { list: "tools", extra: 1 },
      { list: "tools", max_pages: 0 },
      { list: "tools", max_items: 1.5 },
      "tools",
    ])
      expect(codeOf(() => readRpcPages("pages", bad))).toBe("INVALID_INPUT");
  });

  it("joins pages, sends the cursor with the caller's params, and drops the cursor from the answer", () => {
    const pages = new PageCollector(readRpcPages("pages", { list: "tools" }), "tools/list");
    expect(pages.add({ tools: [1, 2], nextCursor: "a", extra: true }, { keep: 1 })).toEqual({
      keep: 1,
      cursor: "a",
    });
    expect(pages.add({ tools: [3], nextCursor: "" }, { keep: 1, cursor: "a" })).toBeUndefined();
    expect(pages.result()).toEqual({ tools: [1, 2, 3], extra: true });
  });

  it("a page without the list, a cursor that is not a string, a repeated cursor and the caps all fail", () => {
    const make = (extra: Record<string, unknown> = {}) =>
      new PageCollector(readRpcPages("pages", { list: "tools", ...extra }), "tools/list");
    expect(codeOf(() => make().add({ nope: [] }, {}))).toBe("JSONRPC_ERROR");
    expect(codeOf(() => make().add({ tools: [], nextCursor: 7 }, {}))).toBe("JSONRPC_ERROR");
    const looping = make();
    looping.add({ tools: [], nextCursor: "same" }, {});
    expect(codeOf(() => looping.add({ tools: [], nextCursor: "same" }, {}))).toBe("RPC_PAGE_LIMIT");
    const short = make({ max_pages: 2 });
    short.add({ tools: [1], nextCursor: "a" }, {});
    expect(codeOf(() => short.add({ tools: [2], nextCursor: "b" }, {}))).toBe("RPC_PAGE_LIMIT");
    expect(codeOf(() => make({ max_items: 2 }).add({ tools: [1, 2, 3] }, {}))).toBe("RPC_PAGE_LIMIT");
  });
});
