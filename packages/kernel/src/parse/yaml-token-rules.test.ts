import { describe, expect, it } from "vitest";
import { Parser } from "yaml";
import { checkYamlTokens } from "./yaml-token-rules";

const check = (yaml: string, maxDepth = 3) => checkYamlTokens(Array.from(new Parser().parse(yaml)), maxDepth);

describe("checkYamlTokens (the exact check behind the pre-scan)", () => {
  it("measures flow, block and mixed nesting exactly", () => {
    expect(check("[[[1]]]")).toBeUndefined();
    expect(check("[[[[1]]]]")).toMatchObject({ code: "PARSE_DEPTH", offset: 3 });
    expect(check("a:\n  b:\n    c: 1")).toBeUndefined();
    expect(check("a:\n  b:\n    c:\n      d: 1")).toMatchObject({ code: "PARSE_DEPTH" });
    expect(check("a:\n  - [x]")).toBeUndefined();
    expect(check("a:\n  - [[x]]")).toMatchObject({ code: "PARSE_DEPTH" });
  });

  it("finds the first violation in document order", () => {
    expect(check("a: !t x\nb: &y z")).toMatchObject({ code: "PARSE_UNSUPPORTED", offset: 3 });
    expect(check("a: &y z\nb: !t x")).toMatchObject({ code: "PARSE_ALIAS_LIMIT", offset: 3 });
  });

  it("refuses aliases, anchors, tags and directives", () => {
    expect(check("a: *x")).toMatchObject({ code: "PARSE_ALIAS_LIMIT" });
    expect(check("a: &x 1")).toMatchObject({ code: "PARSE_ALIAS_LIMIT" });
    expect(check("a: !!str 1")).toMatchObject({ code: "PARSE_UNSUPPORTED" });
    expect(check("%YAML 1.2\n---\na: 1")).toMatchObject({ code: "PARSE_UNSUPPORTED" });
  });

  it("refuses a second document", () => {
    expect(check("a: 1\n---\nb: 2")).toMatchObject({ code: "PARSE_MULTI_DOC" });
    expect(check("---\na: 1\n")).toBeUndefined();
  });

  it("walks 100 000 levels of tokens without recursion", () => {
    const tokens = Array.from(new Parser().parse(`${"- ".repeat(100_000)}x`));
    expect(checkYamlTokens(tokens, 64)).toMatchObject({ code: "PARSE_DEPTH" });
  });
});
