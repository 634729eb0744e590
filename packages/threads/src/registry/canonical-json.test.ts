// canonicalJson, the journal's request text: one writer for plain JSON data, checked here against the
// reference definition (JSON.stringify with a replacer sorting every object's keys) on random trees and
// on the values the fast writer hands back to it (toJSON, class instances, index-like keys, BigInt).
import { describe, expect, it } from "vitest";
import { canonicalJson, requestHash } from "./journal";

function reference(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort())
      sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** A small deterministic PRNG, so a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = [
  "",
  "a",
  "é",
  "\u0000",
  '"quoted"',
  "back\\slash",
  "\ud83d\ude00",
  "\ud800",
  "line\nbreak",
  "Z",
];
const NUMBERS = [0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, 0.1 + 0.2];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const r = next();
  if (depth > 4 || r < 0.35) {
    return pick<unknown>([...STRINGS, ...NUMBERS, true, false, null, undefined]);
  }
  if (r < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--)
    obj[pick([...STRINGS, "b", "B", "aa", "_x"])] = randomValue(next, depth + 1);
  return obj;
}

describe("canonicalJson", () => {
  it("writes the same text as the sorting-replacer definition for random JSON trees", () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const value = randomValue(rng(seed), 0);
      expect(canonicalJson(value), `seed ${seed}`).toBe(reference(value));
    }
  });

  it("hands what it does not write itself to the definition: toJSON, instances, index keys, deep trees", () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    let deep: unknown = "leaf";
    for (let i = 0; i < 600; i++) deep = { [`k${i % 3}`]: deep, a: [i] };
    const values = [
      { when: new Date(0), b: 1 },
      { p: new Point(2, 1) },
      { 10: "ten", 2: "two", b: "bee", a: "ay" },
      { nested: { toJSON: () => ({ z: 1, a: 2 }) } },
      [undefined, () => 1, Symbol("s")],
      { u: undefined, f: () => 1 },
      Object.create(null, { b: { value: 1, enumerable: true }, a: { value: 2, enumerable: true } }),
      deep,
      new Map([["a", 1]]),
    ];
    for (const v of values) expect(canonicalJson(v)).toBe(reference(v));
    expect(canonicalJson(undefined)).toBe(reference(undefined));
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    // The definition itself recurses until the stack runs out (each level is a fresh sorted copy).
    expect(() => canonicalJson(cyclic)).toThrow(RangeError);
  });

  it("the request hash is the digest of that text, whatever the key order", () => {
    expect(requestHash({ b: [1, { d: 1, c: 2 }], a: "x" })).toBe(
      requestHash({ a: "x", b: [1, { c: 2, d: 1 }] }),
    );
    expect(requestHash(undefined)).toBe(requestHash(null));
  });
});
