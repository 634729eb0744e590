import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { validationIssues as issuesOf } from "../test-support/errors";
import { parseDirective } from "./directive-parser";
import { directiveSpawnIssues } from "./directive-spawn-issues";

const opts = {
  file: ".ai/directives/quality/review_code.md",
  itemId: "review_code",
  category: "quality",
  maxDepth: 64,
};

const FULL = `# Review code

Reviews a change and writes a report.

\`\`\`xml
<directive name="review_code" version="1.2.0">
  <metadata>
    <description>Review a change &amp; report findings</description>
    <category>quality</category>
    <author>kiwi-team</author>
    <model tier="reasoning" fallback="balanced" id="claude-x">Careful reading needs a strong model</model>
    <cost>
      <max_turns>30</max_turns>
      <on_exceeded>escalate</on_exceeded>
      <max_input_tokens>200000</max_input_tokens>
      <max_output_tokens>20000</max_output_tokens>
      <max_total_tokens>220000</max_total_tokens>
      <max_cost_usd>1.5</max_cost_usd>
      <max_context_tokens>150000</max_context_tokens>
      <context_warning_threshold>0.8</context_warning_threshold>
      <compact_at>0.7</compact_at>
    </cost>
    <permissions>
      <read resource="filesystem" path="src/**"/>
      <write resource="filesystem" path="reports/*.md"/>
      <execute resource="tool" id="git_*"/>
      <execute resource="kiwi-mcp" action="search"/>
      <execute resource="net" host="api.example.com"/>
      <orchestration enabled="true">
        <allow_categories>quality, docs</allow_categories>
        <deny_categories/>
        <allow_directives>lint_*</allow_directives>
        <deny_directives>delete_*</deny_directives>
      </orchestration>
      <knowledge><allow_categories>patterns</allow_categories><deny_categories>secrets</deny_categories></knowledge>
      <directives><allow_categories>quality</allow_categories></directives>
    </permissions>
    <relationships>
      <requires>lint_code</requires>
      <suggests directive="write_tests"/>
      <related>format_code</related>
      <related directive="explain_code"/>
    </relationships>
  </metadata>
  <inputs>
    <input name="target" type="string" required="true">Path of the change to review</input>
    <input name="depth" type="integer" default="2">How deep to look</input>
    <input name="notes">Free notes</input>
  </inputs>
  <process>
    <step name="read">
      <description>Read the change</description>
      <action><![CDATA[git diff <base>..HEAD]]></action>
    </step>
    <step name="report" condition="issues were found">
      <description>Write the report</description>
      <action>Write reports/review.md</action>
    </step>
  </process>
  <context>
    <tech_stack>TypeScript</tech_stack>
    <style_guide>docs/style.md</style_guide>
  </context>
  <success_criteria>
    <criterion>Every changed file was read</criterion>
    <criterion>A report exists</criterion>
  </success_criteria>
  <outputs>
    <success>reports/review.md</success>
    <failure>An explanation of what blocked the review</failure>
  </outputs>
</directive>
\`\`\`

More prose after the block.
`;

function directive(metadataInner: string, extra = ""): string {
  return `<directive name="review_code" version="1.0.0">
  <metadata>
    <description>Review</description>
    ${metadataInner}
  </metadata>${extra}
</directive>`;
}

describe("parseDirective", () => {
  it("parses a realistic directive with every element", () => {
    const d = parseDirective(FULL, opts);
    expect(d.name).toBe("review_code");
    expect(d.version).toBe("1.2.0");
    expect(d.metadata).toMatchObject({
      description: "Review a change & report findings",
      category: "quality",
      author: "kiwi-team",
      model: {
        tier: "reasoning",
        fallback: "balanced",
        id: "claude-x",
        reasoning: "Careful reading needs a strong model",
      },
      cost: {
        max_turns: 30,
        on_exceeded: "escalate",
        max_input_tokens: 200000,
        max_output_tokens: 20000,
        max_total_tokens: 220000,
        max_cost_usd: 1.5,
        max_context_tokens: 150000,
        context_warning_threshold: 0.8,
        compact_at: 0.7,
      },
      relationships: {
        requires: ["lint_code"],
        suggests: ["write_tests"],
        extends: [],
        related: ["format_code", "explain_code"],
      },
    });
    expect(d.metadata.permissions).toEqual({
      grants: [
        { verb: "read", resource: "filesystem", path: "src/**" },
        { verb: "write", resource: "filesystem", path: "reports/*.md" },
        { verb: "execute", resource: "tool", id: "git_*" },
        { verb: "execute", resource: "kiwi-mcp", action: "search" },
        { verb: "execute", resource: "net", host: "api.example.com" },
      ],
      orchestration: {
        enabled: true,
        allow_categories: ["quality", "docs"],
        deny_categories: [],
        allow_directives: ["lint_*"],
        deny_directives: ["delete_*"],
      },
      knowledge: { allow_categories: ["patterns"], deny_categories: ["secrets"] },
      directives: { allow_categories: ["quality"], deny_categories: [] },
    });
    expect(d.inputs).toEqual([
      { name: "target", type: "string", required: true, description: "Path of the change to review" },
      { name: "depth", type: "integer", required: false, default: "2", description: "How deep to look" },
      { name: "notes", type: "string", required: false, description: "Free notes" },
    ]);
    expect(d.process).toEqual([
      { name: "read", description: "Read the change", action: "git diff <base>..HEAD" },
      {
        name: "report",
        description: "Write the report",
        action: "Write reports/review.md",
        condition: "issues were found",
      },
    ]);
    expect(d.context).toEqual({ tech_stack: "TypeScript", style_guide: "docs/style.md" });
    expect(d.success_criteria).toEqual(["Every changed file was read", "A report exists"]);
    expect(d.outputs).toEqual({
      success: "reports/review.md",
      failure: "An explanation of what blocked the review",
    });
    expect(directiveSpawnIssues(d, opts.file)).toEqual([]);
  });

  it("handles one <read/> and two <read/> the same way: always an array of grants (X7)", () => {
    const one = parseDirective(
      directive('<permissions><read resource="filesystem" path="a/**"/></permissions>'),
      opts,
    );
    const two = parseDirective(
      directive(
        '<permissions><read resource="filesystem" path="a/**"/><read resource="filesystem" path="b/**"/></permissions>',
      ),
      opts,
    );
    expect(one.metadata.permissions.grants).toEqual([{ verb: "read", resource: "filesystem", path: "a/**" }]);
    expect(two.metadata.permissions.grants.map((g) => g.path)).toEqual(["a/**", "b/**"]);
  });

  it("accepts an empty <permissions/> (no permissions) and no cost or model (valid, not spawnable)", () => {
    const d = parseDirective(directive("<permissions/>"), opts);
    expect(d.metadata.permissions).toEqual({ grants: [] });
    expect(d.metadata.cost).toBeUndefined();
    expect(d.metadata.model).toBeUndefined();
    expect(d.metadata.category).toBe("");
    expect(d.inputs).toEqual([]);
    expect(d.process).toEqual([]);
    expect(d.context).toEqual({});
    expect(d.success_criteria).toEqual([]);
    const spawn = directiveSpawnIssues(d, opts.file);
    expect(spawn[0]).toMatchObject({
      field: "metadata.cost",
      message: "no <cost> in metadata",
      fix: "add <cost><max_turns>30</max_turns><on_exceeded>escalate</on_exceeded></cost> inside <metadata>",
      severity: "warning",
    });
    expect(spawn[1]).toMatchObject({ field: "metadata.model", message: "no <model> in metadata" });
  });

  it("reads success criteria written as plain lines", () => {
    const d = parseDirective(
      directive(
        "<permissions/>",
        "\n<success_criteria>\n  - tests pass\n  * docs updated\n  3. released\n</success_criteria>",
      ),
      opts,
    );
    expect(d.success_criteria).toEqual(["tests pass", "docs updated", "released"]);
  });

  it("reports a directive without <permissions> with a fix (permissions are required)", () => {
    const issues = issuesOf(() => parseDirective(directive(""), opts));
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "metadata.permissions", message: "no <permissions> in metadata" }),
    );
  });

  it("reports an incomplete <cost> naming each missing element", () => {
    const issues = issuesOf(() =>
      parseDirective(directive("<cost><max_cost_usd>2</max_cost_usd></cost><permissions/>"), opts),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({
        field: "metadata.cost.max_turns",
        message: "no <max_turns> in cost",
        fix: "add <max_turns>30</max_turns> inside <cost>",
      }),
    );
    expect(issues.map((i) => i.field)).toContain("metadata.cost.on_exceeded");
  });

  it("collects every problem at once, each with file, field and fix", () => {
    const xml = `<directive name="review_code" version="0.0.0">
  <metadata>
    <description></description>
    <cost><max_turns>abc</max_turns><on_exceeded>panic</on_exceeded><context_warning_threshold>1.5</context_warning_threshold><compact_at>0</compact_at></cost>
    <model tier="huge"/>
    <permissions><read resource="filesystem"/></permissions>
  </metadata>
</directive>`;
    const issues = issuesOf(() => parseDirective(xml, opts));
    const byField = Object.fromEntries(issues.map((i) => [i.field, i]));
    expect(byField.version?.message).toContain("0.0.0");
    expect(byField["metadata.description"]?.message).toBe("must not be empty");
    expect(byField["metadata.cost.max_turns"]?.message).toBe('expected a number, got "abc"');
    expect(byField["metadata.cost.on_exceeded"]?.fix).toContain("stop");
    expect(byField["metadata.cost.context_warning_threshold"]?.message).toContain("at most 1");
    expect(byField["metadata.cost.compact_at"]?.message).toContain("greater than 0");
    expect(byField["metadata.model.tier"]?.fix).toContain("reasoning");
    expect(byField["metadata.permissions.grants[0].path"]?.message).toContain("needs a path");
    for (const i of issues) {
      expect(i.file).toBe(opts.file);
      expect(i.fix ?? i.message).toBeTruthy();
    }
  });

  it("requires name to equal the file name and a given category to equal the folder", () => {
    const xml = directive("<category>ops</category><permissions/>").replace(
      'name="review_code"',
      'name="other_name"',
    );
    const issues = issuesOf(() => parseDirective(xml, opts));
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "name", fix: expect.stringContaining("other_name.md") }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({
        field: "metadata.category",
        fix: expect.stringContaining("<category>quality</category>"),
      }),
    );
  });

  it("reports missing name and version attributes with an example tag", () => {
    const xml = "<directive><metadata><description>x</description><permissions/></metadata></directive>";
    const issues = issuesOf(() => parseDirective(xml, opts));
    expect(issues).toContainEqual(
      expect.objectContaining({
        field: "name",
        fix: '<directive name="review_code" version="1.0.0">'.replace(/^/, "write "),
      }),
    );
    expect(issues.map((i) => i.field)).toContain("version");
  });

  it("refuses repeated inputs and unknown input types", () => {
    const xml = directive(
      "<permissions/>",
      '\n<inputs><input name="a" type="string"/><input name="a" type="text"/></inputs>',
    );
    const issues = issuesOf(() => parseDirective(xml, opts));
    expect(issues).toContainEqual(expect.objectContaining({ field: "inputs[1].type" }));
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "inputs[1].name", message: expect.stringContaining("twice") }),
    );
  });

  it("reports XML syntax errors with the line in the Markdown file", () => {
    const md = `# Title\n\nprose\n\n<directive name="review_code" version="1.0.0">\n<metadata>\n  <description>a & b</description>\n</metadata>\n</directive>\n`;
    try {
      parseDirective(md, opts);
      expect.unreachable();
    } catch (error) {
      expect(KiwiError.isInstance(error) && error.code).toBe("PARSE_ERROR");
      expect((error as KiwiError).context.line).toBe(7);
    }
  });
});
