import { describe, expect, it } from "vitest";
import { codeOf, expectNoPrototypePollution } from "../test-support/errors";
import { parseKnowledge } from "./knowledge-parser";

const opts = { file: ".ai/knowledge/evil/evil.md", itemId: "evil", category: "evil", maxDepth: 64 };
const HEAD = 'id: evil\ntitle: Evil\nentry_type: pattern\nversion: "1.0.0"\n';
const entry = (extra: string, body = "Body") => `---\n${HEAD}${extra}\n---\n${body}\n`;

expectNoPrototypePollution();

describe("parseKnowledge against hostile front matter (battery Y1-Y12 on the YAML part)", () => {
  it("parses the baseline used below", () => {
    expect(parseKnowledge(entry(""), opts).frontMatter.id).toBe("evil");
  });

  it.each([
    ["Y2: an alias", entry("tags: &t [a]\nreferences: *t"), "PARSE_ALIAS_LIMIT"],
    ["Y3: a merge key", entry("<<: {author: x}"), "PARSE_UNSUPPORTED"],
    ["Y4: __proto__", entry("__proto__: {polluted: true}"), "PARSE_RESERVED_KEY"],
    ["Y4: constructor", entry("constructor: {prototype: {polluted: true}}"), "PARSE_RESERVED_KEY"],
    ["Y5: a duplicate key", entry("title: Again"), "PARSE_DUPLICATE_KEY"],
    ["Y6: a tag", entry("author: !!binary aGk="), "PARSE_UNSUPPORTED"],
    ["Y8: deep brackets", entry(`tags: ${"[".repeat(100_000)}`), "PARSE_DEPTH"],
    ["Y10: an unquoted version", entry("").replace('version: "1.0.0"', "version: 1.10"), "VALIDATION_FAILED"],
    ["Y12: an unknown key", entry("validated_at: 2026-01-01"), "VALIDATION_FAILED"],
  ])("%s → %s", (_name, text, code) => {
    expect(codeOf(() => parseKnowledge(text, opts))).toBe(code);
  });

  it("Y9: a second YAML document inside the front matter (after ...) → PARSE_MULTI_DOC", () => {
    expect(codeOf(() => parseKnowledge(`---\n${HEAD}...\n---\nBody`, opts))).toBe("no error");
    expect(codeOf(() => parseKnowledge(`---\n${HEAD}...\nauthor: x\n---\nBody`, opts))).toBe(
      "PARSE_MULTI_DOC",
    );
  });

  it("Y9: a --- after the front matter only starts the body, it cannot add a document", () => {
    const two = `---\n${HEAD}---\nextra: 1\n---\nBody`;
    expect(parseKnowledge(two, opts).body).toContain("extra: 1");
  });

  it("a body that looks like more front matter stays text and cannot override fields", () => {
    const text = entry("", "---\nid: admin\ntitle: Owned\n---");
    const parsed = parseKnowledge(text, opts);
    expect(parsed.frontMatter.id).toBe("evil");
    expect(parsed.body).toContain("id: admin");
  });
});
