import { describe, expect, it } from "vitest";
import { type ParamDef, validateParams } from "./params";

const declared: ParamDef[] = [
  { name: "who", type: "string", required: true },
  { name: "n", type: "integer", default: 2 },
  { name: "mode", type: "string", enum: ["a", "b"] },
  { name: "tags", type: "array" },
];

function run(params: Record<string, unknown>, maxParamBytes = 1024) {
  return validateParams({ params, declared, toolId: "t", maxParamBytes });
}

describe("validateParams", () => {
  it("applies defaults and accepts valid values", () => {
    expect(run({ who: "x", tags: ["a"] })).toEqual({ who: "x", n: 2, tags: ["a"] });
  });

  it.each([
    [{ who: "x", __auth: "forged" }, "PARAM_RESERVED"],
    [{ who: "x", __project_path: "/" }, "PARAM_RESERVED"],
    [{ who: "x", url: "http://evil" }, "PARAM_UNKNOWN"],
    [{ who: "x", constructor: "y" }, "PARAM_UNKNOWN"],
    [{}, "PARAM_MISSING"],
    [{ who: 5 }, "PARAM_INVALID"],
    [{ who: "x", n: 1.5 }, "PARAM_INVALID"],
    [{ who: "x", n: Number.POSITIVE_INFINITY }, "PARAM_INVALID"],
    [{ who: "x", mode: "c" }, "PARAM_INVALID"],
    [{ who: "x".repeat(2000) }, "PARAM_TOO_LARGE"],
  ])("refuses %j with %s", (params, code) => {
    expect(() => run(params)).toThrowError(expect.objectContaining({ code }));
  });

  it("measures an array or object as its JSON bytes: exact size when too large, the same verdict at the edge", () => {
    // 2 + 3 × ("\"ééé…\"" = 2 + 2×100 bytes) + 2 commas = 610 bytes of JSON, 300 UTF-16 units of text.
    const tags = ["é".repeat(100), "é".repeat(100), "é".repeat(100)];
    const size = Buffer.byteLength(JSON.stringify(tags));
    expect(run({ who: "x", tags }, size)).toMatchObject({ tags });
    expect(() => run({ who: "x", tags }, size - 1)).toThrowError(
      expect.objectContaining({ code: "PARAM_TOO_LARGE", context: expect.objectContaining({ size }) }),
    );
    // Characters JSON escapes count escaped (a control character is 6 bytes: \u0001).
    const controls = ["\u0001".repeat(100)];
    expect(() => run({ who: "x", tags: controls }, 600)).toThrowError(
      expect.objectContaining({ code: "PARAM_TOO_LARGE", context: expect.objectContaining({ size: 604 }) }),
    );
  });
});
