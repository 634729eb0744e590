import { describe, expect, it } from "vitest";
import { expectNoPrototypePollution, failure, issuesIn as issuesOf, polluted } from "../test-support/errors";
import { decodeItemBytes } from "./decode-item-bytes";
import { parseDirective } from "./directive-parser";

const opts = { file: ".ai/directives/evil/evil.md", itemId: "evil", category: "evil", maxDepth: 64 };

/** A valid directive whose <metadata> ends with `permissions` (the default grants one read). */
function directive(
  permissions = '<permissions><read resource="filesystem" path="src/**"/></permissions>',
): string {
  return `<directive name="evil" version="1.0.0">
  <metadata>
    <description>Looks harmless</description>
    ${permissions}
  </metadata>
</directive>`;
}

expectNoPrototypePollution();

describe("parseDirective against hostile directives (battery X1-X12)", () => {
  it("parses the baseline used below (so each failure comes from the attack)", () => {
    expect(parseDirective(directive(), opts).metadata.permissions.grants).toHaveLength(1);
  });

  it.each([
    ["X1: any DOCTYPE", `<!DOCTYPE d [<!ENTITY a "${"a".repeat(1000)}">]>\n${directive()}`],
    ["X1: a DOCTYPE inside the block", directive().replace("<metadata>", "<!DOCTYPE x><metadata>")],
    [
      "X2: an external entity",
      directive().replace("<metadata>", '<!ENTITY x SYSTEM "file:///etc/passwd"><metadata>'),
    ],
    [
      "X2: billion laughs",
      `<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n${directive().replace("Looks harmless", "&b;")}`,
    ],
  ])("%s → PARSE_DOCTYPE_FORBIDDEN", (_name, md) => {
    expect(failure(() => parseDirective(md, opts)).code).toBe("PARSE_DOCTYPE_FORBIDDEN");
  });

  it("X3: a million character references exceed the size cap before parsing", () => {
    const md = directive().replace("Looks harmless", "&#65;".repeat(1_000_000));
    const bytes = new TextEncoder().encode(md);
    expect(failure(() => decodeItemBytes(bytes, { file: opts.file, maxBytes: 256 * 1024 })).code).toBe(
      "PARSE_TOO_LARGE",
    );
  });

  it.each([
    [
      "X4: <__proto__> in metadata",
      directive().replace("<metadata>", "<metadata><__proto__><polluted>1</polluted></__proto__>"),
    ],
    [
      "X4: a __proto__ attribute on a grant",
      directive('<permissions><read resource="filesystem" __proto__="x"/></permissions>'),
    ],
    [
      "X4: <constructor> in context",
      `${directive().replace("</directive>", "<context><constructor>x</constructor></context></directive>")}`,
    ],
  ])("%s → PARSE_RESERVED_KEY, nothing polluted", (_name, md) => {
    expect(failure(() => parseDirective(md, opts)).code).toBe("PARSE_RESERVED_KEY");
    expect(polluted().polluted).toBeUndefined();
  });

  it("X5: 100 000 nested elements → PARSE_DEPTH, fast", () => {
    const deep = `${"<x>".repeat(100_000)}${"</x>".repeat(100_000)}`;
    const md = directive().replace("</directive>", `<context>${deep}</context></directive>`);
    const start = performance.now();
    expect(failure(() => parseDirective(md, opts)).code).toBe("PARSE_DEPTH");
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it.each([
    ["two <directive> blocks", `${directive()}\n\n${directive()}`],
    [
      "a second <directive> start tag inside a code fence",
      `\`\`\`\n<directive name="x">\n\`\`\`\n${directive()}`,
    ],
    ["a <Directive> in prose (any case)", `See <Directive > below.\n${directive()}`],
    [
      "two <permissions> elements",
      directive('<permissions/><permissions><read resource="filesystem" path="**"/></permissions>'),
    ],
    ["<permissions> in a code fence and in the block", `\`\`\`xml\n<permissions/>\n\`\`\`\n${directive()}`],
    [
      "<permissions> inside an XML comment",
      directive().replace("<metadata>", "<metadata><!-- <permissions/> -->"),
    ],
    [
      "<permissions> after the block",
      `${directive()}\n<!-- <permissions><execute resource="tool" id="*"/></permissions> -->`,
    ],
    ["a second end tag", `${directive()}\n</directive>`],
  ])("X6: %s → DIRECTIVE_AMBIGUOUS", (_name, md) => {
    expect(failure(() => parseDirective(md, opts)).code).toBe("DIRECTIVE_AMBIGUOUS");
  });

  it("X6: a file without any <directive> block is a PARSE_ERROR, not an empty directive", () => {
    expect(failure(() => parseDirective("# Just prose\n", opts)).code).toBe("PARSE_ERROR");
  });

  it("X7: one <read/> and two <read/> both give arrays of grants", () => {
    const one = parseDirective(
      directive('<permissions><read resource="filesystem" path="a"/></permissions>'),
      opts,
    );
    const two = parseDirective(
      directive(
        '<permissions><read resource="filesystem" path="a"/><read resource="filesystem" path="b"/></permissions>',
      ),
      opts,
    );
    expect(Array.isArray(one.metadata.permissions.grants)).toBe(true);
    expect(one.metadata.permissions.grants).toHaveLength(1);
    expect(two.metadata.permissions.grants).toHaveLength(2);
  });

  it.each([
    ["an unknown tag <admin>", '<permissions><admin resource="*"/></permissions>', "metadata.permissions"],
    [
      "a misspelled attribute pat=",
      '<permissions><read resource="filesystem" pat="**"/></permissions>',
      "metadata.permissions.grants[0]",
    ],
    [
      "an unknown resource",
      '<permissions><read resource="filesystm" path="**"/></permissions>',
      "metadata.permissions.grants[0].resource",
    ],
    [
      "a wildcard resource",
      '<permissions><execute resource="*" action="*"/></permissions>',
      "metadata.permissions.grants[0].resource",
    ],
    [
      "a grant without resource",
      '<permissions><read path="**"/></permissions>',
      "metadata.permissions.grants[0].resource",
    ],
    [
      "the wrong scope attribute",
      '<permissions><execute resource="tool" path="**"/></permissions>',
      "metadata.permissions.grants[0].path",
    ],
    [
      "two scope attributes",
      '<permissions><read resource="filesystem" path="a" host="b"/></permissions>',
      "metadata.permissions.grants[0].host",
    ],
    [
      "text inside a grant",
      '<permissions><read resource="filesystem" path="a">everything</read></permissions>',
      "metadata.permissions.grants[0]",
    ],
    [
      "an unknown child of <orchestration>",
      '<permissions><orchestration enabled="true"><allow_all/></orchestration></permissions>',
      "metadata.permissions.orchestration",
    ],
    [
      'enabled="yes"',
      '<permissions><orchestration enabled="yes"/></permissions>',
      "metadata.permissions.orchestration.enabled",
    ],
    [
      "two <orchestration> elements",
      '<permissions><orchestration enabled="false"/><orchestration enabled="true"/></permissions>',
      "metadata.permissions",
    ],
  ])("X8: %s → VALIDATION_FAILED naming the field", (_name, permissions, field) => {
    const error = failure(() => parseDirective(directive(permissions), opts));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(issuesOf(error).map((i) => i.field)).toContain(field);
  });

  it("X8: unknown elements elsewhere are refused too, never dropped", () => {
    const md = directive()
      .replace("<metadata>", "<metadata><mcps/>")
      .replace("</directive>", '<process><step name="s"><tool_call/></step></process><hooks/></directive>');
    const fields = issuesOf(failure(() => parseDirective(md, opts))).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["metadata", "process[0]", ""]));
  });

  it("X9: a duplicate attribute → PARSE_ERROR", () => {
    const md = directive('<permissions><read resource="filesystem" path="src/**" path="/**"/></permissions>');
    expect(failure(() => parseDirective(md, opts)).code).toBe("PARSE_ERROR");
  });

  it("X10: the grant holds the decoded value, which is what later checks see", () => {
    const d = parseDirective(
      directive('<permissions><read resource="filesystem" path="src/&#x2e;&#x2e;/**"/></permissions>'),
      opts,
    );
    expect(d.metadata.permissions.grants[0]?.path).toBe("src/../**");
  });

  it("X10: an entity-encoded resource name is validated after decoding", () => {
    const d = parseDirective(
      directive('<permissions><read resource="&#102;ilesystem" path="a"/></permissions>'),
      opts,
    );
    expect(d.metadata.permissions.grants[0]?.resource).toBe("filesystem");
    const bad = directive('<permissions><read resource="&#102;ilesystm" path="a"/></permissions>');
    expect(failure(() => parseDirective(bad, opts)).code).toBe("VALIDATION_FAILED");
  });

  it.each([
    ["<Permissions>", '<Permissions><read resource="filesystem" path="**"/></Permissions>'],
    ["<PERMISSIONS>", "<PERMISSIONS/>"],
    [
      "<k:permissions>",
      '<k:permissions xmlns:k="urn:x"><read resource="filesystem" path="**"/></k:permissions>',
    ],
  ])(
    "X11: %s is never read as permissions (VALIDATION_FAILED, not 'none', not 'all')",
    (_name, permissions) => {
      const error = failure(() => parseDirective(directive(permissions), opts));
      expect(error.code).toBe("VALIDATION_FAILED");
      const fields = issuesOf(error).map((i) => i.field);
      expect(fields).toContain("metadata.permissions"); // missing <permissions>
      expect(issuesOf(error).some((i) => i.message.includes("not allowed inside <metadata>"))).toBe(true);
    },
  );

  it("X12: the byte pipeline refuses UTF-16 and BOM-prefixed directives before parsing", () => {
    const text = directive();
    const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from(text, (c) => [c.charCodeAt(0), 0]).flat()]);
    expect(failure(() => decodeItemBytes(utf16, { file: opts.file, maxBytes: 1 << 20 })).code).toBe(
      "PARSE_ENCODING",
    );
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    expect(failure(() => decodeItemBytes(bom, { file: opts.file, maxBytes: 1 << 20 })).code).toBe(
      "PARSE_ENCODING",
    );
  });

  it("inputs may not declare reserved __ names (they would shadow harness metadata)", () => {
    const md = directive().replace(
      "</directive>",
      '<inputs><input name="__auth" type="string"/></inputs></directive>',
    );
    const error = failure(() => parseDirective(md, opts));
    expect(issuesOf(error).map((i) => i.field)).toContain("inputs[0].name");
  });
});
