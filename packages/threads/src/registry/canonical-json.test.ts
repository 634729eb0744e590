// canonicalJson, the journal's request text, and the request hash taken from it.
import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalJsonReference } from "./canonical-json";
import { requestHash } from "./journal";

describe("canonicalJson", () => {
  it("sorts every object's keys, keeps array order and drops what JSON drops", () => {
    expect(canonicalJson({ b: [3, { d: 1, c: undefined, a: null }], a: "x", f: () => 1 })).toBe(
      '{"a":"x","b":[3,{"a":null,"d":1}]}',
    );
  });

  it("the request hash is the digest of that text, whatever the key order", () => {
    expect(requestHash({ b: [1, { d: 1, c: 2 }], a: "x" })).toBe(
      requestHash({ a: "x", b: [1, { c: 2, d: 1 }] }),
    );
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash(undefined)).toBe(requestHash(null));
  });

  it("writes exactly the text of its definition (a sorted copy of every object) for every kind of value", () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    const viaJson = JSON.parse('{"__proto__":{"b":1},"a":2}') as unknown;
    const holes = [1, 2, 3];
    delete holes[1]; // a hole is written as null
    const samples: unknown[] = [
      null,
      undefined,
      0,
      -0,
      1.5e300,
      1e21,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "",
      'quote " backslash \\ newline \n tab \t \u0001 é 😀 \ud800 lone',
      true,
      false,
      [],
      {},
      [undefined, () => 1, Symbol("s"), null, "x"],
      holes,
      { b: undefined, a: () => 1, c: Symbol("s"), d: null },
      { z: { y: { x: [{ b: 2, a: 1 }] } }, a: [3, 2, 1] },
      { "10": "ten", "9": "nine", b: 1, a: 0, "01": "not an index", "4294967295": "too big" },
      { 2: "two", 1: "one" },
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      viaJson,
      { d: new Date(0), p: new Point(2, 1), m: new Map([[1, 2]]), n: new Number(3), s: new String("s") },
      { j: { toJSON: () => ({ y: 1, x: 2 }) } },
      Object.assign([1, 2], { toJSON: () => "array" }),
      { B: 1, a: 2, _: 3, "": 4, é: 5, Z: 6 },
      {
        model: "claude-haiku-4-5",
        max_tokens: 1024,
        messages: [
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "t1", name: "execute", input: { who: "Ada" } }],
          },
        ],
        tools: [{ name: "execute", description: "d", input_schema: { type: "object", properties: {} } }],
      },
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(canonicalJsonReference(sample));
    // Random trees of plain data, with keys that sort differently by code unit and by locale.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const keys = ["a", "B", "b", "_x", "10", "2", "é", "zz", "a b", "$"];
    const tree = (depth: number): unknown => {
      const kind = depth > 3 ? rand(4) : rand(6);
      if (kind === 0) return rand(1000) - 500 + rand(10) / 8;
      if (kind === 1) return keys[rand(keys.length)]!.repeat(rand(3));
      if (kind === 2) return rand(3) === 0 ? null : rand(2) === 0;
      if (kind === 3) return undefined;
      if (kind === 4) return Array.from({ length: rand(4) }, () => tree(depth + 1));
      return Object.fromEntries(
        Array.from({ length: rand(5) }, () => [keys[rand(keys.length)]!, tree(depth + 1)]),
      );
    };
    for (let i = 0; i < 500; i++) {
      const sample = tree(0);
      expect(canonicalJson(sample)).toBe(canonicalJsonReference(sample));
    }
  });

  it("fails as its definition does on what JSON cannot hold (a cycle, a BigInt)", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => canonicalJsonReference(cycle)).toThrow(RangeError);
    expect(() => canonicalJson(cycle)).toThrow(RangeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
