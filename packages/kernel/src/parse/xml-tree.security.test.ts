import { describe, expect, it } from "vitest";
import { codeOf, expectNoPrototypePollution, polluted } from "../test-support/errors";
import { parseXmlTree } from "./xml-tree";

const opts = { file: "directives/evil/evil.md", maxDepth: 64 };

expectNoPrototypePollution();

describe("parseXmlTree against hostile XML (battery X1-X5, X9, X10)", () => {
  it.each([
    ["X1: a DOCTYPE with an internal entity", '<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'],
    ["X1: a bare DOCTYPE", "<!DOCTYPE html><d/>"],
    ["X1: a lowercase doctype inside the root", "<d><!doctype d></d>"],
    [
      "X2: billion laughs",
      '<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><d>&c;</d>',
    ],
    ["X2: an external entity", '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'],
    ["X2: a parameter entity", '<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1/x.dtd"> %p;]><d/>'],
    ["X2: a stray ENTITY declaration without DOCTYPE", '<d><!ENTITY x "y"></d>'],
  ])("%s → PARSE_DOCTYPE_FORBIDDEN", (_name, xml) => {
    expect(codeOf(() => parseXmlTree(xml, opts))).toBe("PARSE_DOCTYPE_FORBIDDEN");
  });

  it("X3: numeric character references are decoded once, never re-parsed as markup", () => {
    const tree = parseXmlTree("<d>&#60;x/&#62;&#38;amp;</d>", opts);
    expect(tree.text).toBe("<x/>&amp;");
    expect(tree.children).toEqual([]);
  });

  it.each([
    ["an element <__proto__>", "<d><__proto__><polluted>1</polluted></__proto__></d>"],
    [
      "an element <constructor>",
      "<d><constructor><prototype><polluted>1</polluted></prototype></constructor></d>",
    ],
    ["an element <prototype>", "<d><prototype/></d>"],
    ["an attribute __proto__", '<d __proto__="x"/>'],
    ["an attribute constructor", '<d><read constructor="x"/></d>'],
  ])("X4: refuses %s with PARSE_RESERVED_KEY and pollutes nothing", (_name, xml) => {
    expect(codeOf(() => parseXmlTree(xml, opts))).toBe("PARSE_RESERVED_KEY");
    expect(polluted().polluted).toBeUndefined();
  });

  it("X4: ordinary names such as toString or hasOwnProperty stay plain data", () => {
    const tree = parseXmlTree('<d toString="x" hasOwnProperty="y"><valueOf/></d>', opts);
    expect(tree.attrs.toString).toBe("x");
    expect(tree.attrs.hasOwnProperty).toBe("y");
    expect(tree.children[0]?.name).toBe("valueOf");
  });

  it("X5: 100 000 nested elements stop at the limit with PARSE_DEPTH, fast", () => {
    const xml = `${"<e>".repeat(100_000)}${"</e>".repeat(100_000)}`;
    const start = performance.now();
    expect(codeOf(() => parseXmlTree(xml, opts))).toBe("PARSE_DEPTH");
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("X5: 100 000 unclosed nested elements also fail with PARSE_DEPTH", () => {
    expect(codeOf(() => parseXmlTree("<e>".repeat(100_000), opts))).toBe("PARSE_DEPTH");
  });

  it("X9: a duplicate attribute is PARSE_ERROR (never first- or last-wins)", () => {
    expect(codeOf(() => parseXmlTree('<read path="src/**" path="/**"/>', opts))).toBe("PARSE_ERROR");
  });

  it("X10: attribute values are decoded before anyone sees them", () => {
    const tree = parseXmlTree('<read path="src/&#x2e;&#x2e;/**" id="&#46;&#46;&#47;x"/>', opts);
    expect(tree.attrs.path).toBe("src/../**");
    expect(tree.attrs.id).toBe("../x");
  });

  it("never expands undefined entities (no silent pass-through of &name;)", () => {
    expect(codeOf(() => parseXmlTree("<d>&xxe;</d>", opts))).toBe("PARSE_ERROR");
    expect(codeOf(() => parseXmlTree('<d a="&xxe;"/>', opts))).toBe("PARSE_ERROR");
  });
});
