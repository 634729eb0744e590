import { describe, expect, it } from "vitest";
import { failure } from "../test-support/errors";
import { parseXmlTree } from "./xml-tree";

const opts = { file: "directives/x/d.md", maxDepth: 8 };

describe("parseXmlTree", () => {
  it("builds a tree of names, attributes, children, trimmed text and lines", () => {
    const tree = parseXmlTree('<a x="1">\n  hello\n  <b y="2"/>\n  <c>  text  </c>\n</a>', opts);
    expect(tree).toMatchObject({ name: "a", attrs: { x: "1" }, text: "hello", line: 1 });
    expect(tree.children.map((c) => [c.name, c.text, c.line])).toEqual([
      ["b", "", 3],
      ["c", "text", 4],
    ]);
    expect(tree.children[0]?.attrs).toEqual({ y: "2" });
  });

  it("concatenates text and CDATA and ignores comments and processing instructions", () => {
    const tree = parseXmlTree("<a>one <![CDATA[<two> & ]]><!-- no --> three<?pi x?></a>", opts);
    expect(tree.text).toBe("one <two> &  three");
  });

  it("decodes the five predefined entities and numeric character references", () => {
    const tree = parseXmlTree('<a t="&lt;&gt;&amp;&quot;&apos;&#65;&#x42;">&lt;b&gt;</a>', opts);
    expect(tree.attrs.t).toBe("<>&\"'AB");
    expect(tree.text).toBe("<b>");
  });

  it("reports the start line of a tag whose name is followed by a line break", () => {
    const tree = parseXmlTree("<a>\n\n<b\n  y='1'/></a>", opts);
    expect(tree.children[0]?.line).toBe(3);
  });

  it("adds lineOffset to element lines and error lines", () => {
    expect(parseXmlTree("<a>\n<b/></a>", { ...opts, lineOffset: 10 }).children[0]?.line).toBe(12);
    expect(failure(() => parseXmlTree("<a>\n<b></a>", { ...opts, lineOffset: 10 })).context.line).toBe(12);
  });

  it("creates attribute maps without a prototype", () => {
    expect(Object.getPrototypeOf(parseXmlTree('<a x="1"/>', opts).attrs)).toBeNull();
  });

  it("reports a bare & at its own line and column", () => {
    const error = failure(() => parseXmlTree("<a>\n  fish & chips\n</a>", opts));
    expect(error.code).toBe("PARSE_ERROR");
    expect(error.context).toMatchObject({ file: opts.file, line: 2, column: 8 });
    expect(error.message).toContain("write it as &amp;");
  });

  it("reports malformed XML as PARSE_ERROR with line, column and a tip", () => {
    const error = failure(() => parseXmlTree("<a>\n  1 < 2\n</a>", opts));
    expect(error.code).toBe("PARSE_ERROR");
    expect(error.context).toMatchObject({ file: opts.file, line: 2, column: expect.any(Number) });
    expect(error.message).toContain("escape & as &amp; and < as &lt;");
  });

  it.each([
    ["an unclosed element", "<a><b></a>"],
    ["a stray <", "<a>1 < 2</a>"],
    ["two roots", "<a/><b/>"],
    ["text after the root", "<a/>tail"],
    ["an empty document", ""],
    ["an undefined entity", "<a>&nbsp;</a>"],
  ])("refuses %s with PARSE_ERROR", (_name, xml) => {
    expect(failure(() => parseXmlTree(xml, opts)).code).toBe("PARSE_ERROR");
  });

  it("accepts nesting exactly at maxDepth and refuses one level more", () => {
    const nest = (n: number) => `${"<e>".repeat(n)}${"</e>".repeat(n)}`;
    expect(parseXmlTree(nest(8), opts).name).toBe("e");
    expect(failure(() => parseXmlTree(nest(9), opts)).code).toBe("PARSE_DEPTH");
  });
});
