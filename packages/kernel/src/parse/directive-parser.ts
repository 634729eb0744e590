import { type Issue, issue, issuesError } from "../diagnostics";
import { PERMISSION_RESOURCES } from "../schema/directive-permissions-schema";
import { type Directive, directiveSchema, MODEL_TIERS } from "../schema/directive-schema";
import { zodIssues } from "../schema/zod-issues";
import { extractDirectiveBlock } from "./directive-block";
import { mapDirectiveTree } from "./directive-tree-mapper";
import type { ParseItemOptions } from "./parse-item-options";
import { rejectDtdMarkup } from "./xml-dtd-check";
import { parseXmlTree } from "./xml-tree";

export type { Directive } from "../schema/directive-schema";
export type { ParseItemOptions } from "./parse-item-options";

function directiveFixes(itemId: string): Record<string, string> {
  return {
    name: `use the file name: <directive name="${itemId}" …>`,
    version: 'write a version like version="1.0.0" on <directive>',
    "metadata.description": "say what the directive does inside <description>",
    "metadata.cost.*": "write a positive number inside the element, e.g. <max_turns>30</max_turns>",
    "metadata.cost.on_exceeded": "write <on_exceeded>stop</on_exceeded>, warn or escalate",
    "metadata.model.tier": `write tier="…" on <model>, one of: ${MODEL_TIERS.join(", ")}`,
    "metadata.permissions.grants[].resource": `write resource="…" on the permission tag, one of: ${PERMISSION_RESOURCES.join(", ")}`,
    "metadata.permissions.orchestration.enabled":
      'write enabled="true" or enabled="false" on <orchestration>',
    "inputs[].name": 'write name="…" on <input>',
    "inputs[].required": 'write required="true" or required="false" on <input>',
    "process[].name": 'write name="…" on <step>',
  };
}

/**
 * Parses a directive: the Markdown body of a `.md` item (signature line already removed). The single
 * `<directive>` block is parsed as hardened XML, mapped to the directive model and validated; every
 * problem found is collected and thrown at once as VALIDATION_FAILED. Parser-level failures (encoding,
 * DOCTYPE, depth, ambiguity) throw their own codes first.
 */
export function parseDirective(text: string, opts: ParseItemOptions): Directive {
  const { file, itemId, category } = opts;
  // The whole file, not only the block: a DOCTYPE in the surrounding Markdown is refused as well, so
  // no other reader of the file (a renderer, another XML tool) can be given entities either.
  rejectDtdMarkup(text, { file });
  const block = extractDirectiveBlock(text, file);
  const root = parseXmlTree(block.xml, { file, maxDepth: opts.maxDepth, lineOffset: block.lineOffset });
  const ctx = { file, issues: [] as Issue[] };
  const raw = mapDirectiveTree(root, ctx, itemId);
  const issues = [...ctx.issues];

  const result = directiveSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    // The mapper already explained these fields in XML terms; keep its wording over the schema's.
    const explained = new Set(ctx.issues.map((i) => i.field));
    const fixes = directiveFixes(itemId);
    const fromSchema = zodIssues(result.error, { file, schema: directiveSchema, fixes });
    issues.push(...fromSchema.filter((i) => !explained.has(i.field)));
  }
  // Compared only when the name itself is valid, so the fix never suggests an invalid file name.
  if (typeof raw.name === "string" && raw.name !== itemId && !issues.some((i) => i.field === "name")) {
    const fix = `rename the file to ${raw.name}.md, or write name="${itemId}"`;
    issues.push(
      issue(file, "name", `the directive is named "${raw.name}" but the file is ${itemId}.md`, fix),
    );
  }
  const declared = (raw.metadata as { category?: unknown } | undefined)?.category;
  if (typeof declared === "string" && declared !== "" && declared !== category) {
    const fix = `move the file to the "${declared}" category folder, or write <category>${category}</category>`;
    const message = `<category>${declared}</category> does not match the folder category "${category}"`;
    issues.push(issue(file, "metadata.category", message, fix));
  }
  if (issues.some((i) => i.severity === "error") || !result.success) throw issuesError(issues, { file });
  return result.data;
}
