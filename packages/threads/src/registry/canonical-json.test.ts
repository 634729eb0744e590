// canonicalJson, the journal's request text, and the request hash taken from it.
import { describe, expect, it } from "vitest";
import { canonicalJson, requestHash } from "./journal";

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
});
