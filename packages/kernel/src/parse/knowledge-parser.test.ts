import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { validationIssues as issuesOf } from "../test-support/errors";
import { parseKnowledge } from "./knowledge-parser";

const opts = {
  file: ".ai/knowledge/patterns/api_patterns.md",
  itemId: "api_patterns",
  category: "patterns",
  maxDepth: 64,
};

const ENTRY = `---
id: api_patterns
title: API patterns
entry_type: pattern
category: patterns
tags: [http, api]
version: "1.0.0"
author: kiwi
references: [rest_basics]
extends: [http_basics]
---

# API patterns

Prefer idempotent requests.
`;

describe("parseKnowledge", () => {
  it("parses front matter and the trimmed body", () => {
    expect(parseKnowledge(ENTRY, opts)).toEqual({
      frontMatter: {
        id: "api_patterns",
        title: "API patterns",
        entry_type: "pattern",
        category: "patterns",
        tags: ["http", "api"],
        version: "1.0.0",
        author: "kiwi",
        references: ["rest_basics"],
        extends: ["http_basics"],
      },
      body: "# API patterns\n\nPrefer idempotent requests.",
    });
  });

  it("defaults tags to [] and accepts CRLF line endings", () => {
    const crlf =
      '---\r\nid: api_patterns\r\ntitle: T\r\nentry_type: guide\r\nversion: "2.0.0"\r\n---\r\nBody\r\n';
    const entry = parseKnowledge(crlf, opts);
    expect(entry.frontMatter.tags).toEqual([]);
    expect(entry.frontMatter.version).toBe("2.0.0");
    expect(entry.body).toBe("Body");
  });

  it("keeps later --- lines in the body", () => {
    const text = '---\nid: api_patterns\ntitle: T\nentry_type: guide\nversion: "1.0.0"\n---\nA\n---\nB\n';
    expect(parseKnowledge(text, opts).body).toBe("A\n---\nB");
  });

  it.each([
    ["no front matter", "# Title\n\nBody"],
    ["an unclosed front matter", '---\nid: api_patterns\nversion: "1.0.0"\nBody'],
    ["front matter not on the first line", "\n---\nid: api_patterns\n---\nBody"],
  ])("refuses %s with a fix showing the expected header", (_name, text) => {
    const issues = issuesOf(() => parseKnowledge(text, opts));
    expect(issues[0]?.message).toContain("front matter");
    expect(issues[0]?.fix).toContain('version: "1.0.0"');
  });

  it("collects every front matter problem and an empty body", () => {
    const text =
      "---\nid: other\ntitle: ''\nentry_type: note\nversion: 1.0\ncategory: misc\ncolour: red\n---\n   \n";
    const fields = issuesOf(() => parseKnowledge(text, opts)).map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining(["id", "title", "entry_type", "version", "category", "colour", "body"]),
    );
  });

  it("reports YAML errors with the line in the file (after the opening ---)", () => {
    try {
      parseKnowledge('---\nid: api_patterns\ntitle: [oops\nversion: "1.0.0"\n---\nBody', opts);
      expect.unreachable();
    } catch (error) {
      expect(KiwiError.isInstance(error) && error.code).toBe("PARSE_ERROR");
      expect((error as KiwiError).context.line).toBeGreaterThanOrEqual(3);
    }
  });
});
