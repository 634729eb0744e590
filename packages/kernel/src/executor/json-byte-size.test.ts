import { describe, expect, it } from "vitest";
import { jsonByteBound } from "./json-byte-size";

const exact = (v: unknown) => {
  const text = JSON.stringify(v);
  return text === undefined ? undefined : Buffer.byteLength(text);
};

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function deep(n: number): unknown {
  let v: unknown = { leaf: "é" };
  for (let i = 0; i < n; i++) v = i % 2 ? [v, i] : { [`k${i}`]: v, n: i };
  return v;
}

function random(seed: number): unknown {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const chars = ["a", "é", "😀", '"', "\\", "\n", "\u0001", "\ud800", "\udc00", "\u2028", "z", "\u007f"];
  const str = () =>
    Array.from({ length: Math.floor(rnd() * 12) }, () => chars[Math.floor(rnd() * chars.length)]).join("");
  const gen = (d: number): unknown => {
    const r = rnd();
    if (d > 4 || r < 0.3) return str();
    if (r < 0.4)
      return [0, -0, 1.5, 1e21, -3e-7, Number.NaN, Number.POSITIVE_INFINITY][Math.floor(rnd() * 7)];
    if (r < 0.45) return [true, false, null, undefined][Math.floor(rnd() * 4)];
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 5) }, () => gen(d + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < rnd() * 5; i++) o[str()] = gen(d + 1);
    return o;
  };
  return gen(0);
}

describe("jsonByteBound: never below the bytes of JSON.stringify, without building it", () => {
  it("is at least Buffer.byteLength(JSON.stringify(v)) for plain data, escapes, surrogates and the odd cases; omitted values agree", () => {
    const nullProto = Object.assign(Object.create(null), { a: 1, "b\n": ["x"] });
    const cases: unknown[] = [
      "",
      "plain",
      'quote " and \\ and \n and \u0000 and \u001f',
      "é😀\u2028",
      "lone \ud800 surrogate \udfff",
      0,
      -0,
      1.25,
      1e21,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      true,
      false,
      null,
      [],
      {},
      [undefined, () => 1, Symbol("s"), null],
      { a: undefined, b: () => 1, c: Symbol("s"), d: 1 },
      { only: undefined },
      nullProto,
      new Array(3), // holes are written as null
      new Date(0),
      { when: new Date(0), at: new Point(1, 2), m: new Map([[1, 2]]) },
      { toJSON: () => ({ replaced: "yes" }) },
      { toJSON: "not a function" },
      deep(10),
      deep(200),
      {
        messages: Array.from({ length: 50 }, (_, i) => ({
          role: "user",
          content: [{ type: "text", text: `t${i}é` }],
        })),
      },
    ];
    const holds = (v: unknown, label: string) => {
      const bound = jsonByteBound(v, Number.POSITIVE_INFINITY);
      const size = exact(v);
      if (size === undefined) expect(bound, label).toBeUndefined();
      else expect(bound, label).toBeGreaterThanOrEqual(size);
    };
    for (const v of [...cases, undefined, () => 1]) holds(v, String(JSON.stringify(v)));
    // Worst cases per unit: every unit escaped as \uXXXX, or a lone surrogate.
    holds("\u0001".repeat(1000), "controls");
    holds("\ud800".repeat(1000), "lone surrogates");
    holds({ ["\u0001".repeat(50)]: "\udfff".repeat(50) }, "escaped key");
    for (let seed = 1; seed <= 500; seed++) holds(random(seed), `seed ${seed}`);
    // Values measured by JSON.stringify itself (toJSON, class instances, past the walk's depth) are exact.
    for (const v of [new Date(0), new Point(1, 2)])
      expect(jsonByteBound(v, Number.POSITIVE_INFINITY)).toBe(exact(v));
  });

  it("stops early above the limit, and never answers at or below a limit the value exceeds", () => {
    const big = { messages: Array.from({ length: 1000 }, (_, i) => ({ text: "x".repeat(100), i })) };
    const size = exact(big)!;
    for (const limit of [0, 10, 1000, size - 1]) expect(jsonByteBound(big, limit)!).toBeGreaterThan(limit);
  });

  it("throws as JSON.stringify does for a cycle or a bigint", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => jsonByteBound(cycle, Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => jsonByteBound([{ n: 1n }], Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});
