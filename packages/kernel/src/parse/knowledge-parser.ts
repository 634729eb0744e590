import { type Issue, issue, issuesError } from "../diagnostics";
import { type KnowledgeFrontMatter, knowledgeFrontMatterSchema } from "../schema/knowledge-schema";
import { zodIssues } from "../schema/zod-issues";
import { categoryMismatch } from "./front-matter-category";
import { parseYamlStrict } from "./hardened-yaml";
import { splitFrontMatter } from "./knowledge-front-matter";
import type { ParseItemOptions } from "./parse-item-options";

/** A parsed knowledge entry: validated front matter plus the Markdown body. */
export interface KnowledgeEntry {
  frontMatter: KnowledgeFrontMatter;
  body: string;
}

const EXAMPLE = '---\nid: …\ntitle: …\nentry_type: pattern\nversion: "1.0.0"\n---';

/**
 * Parses a knowledge entry: YAML front matter between `---` lines (hardened parser, strict schema),
 * then a non-empty Markdown body. Every schema problem is collected and thrown as VALIDATION_FAILED.
 */
export function parseKnowledge(text: string, opts: ParseItemOptions): KnowledgeEntry {
  const { file, itemId, category } = opts;
  const split = splitFrontMatter(text);
  if (!split) {
    const message = "no front matter: the file must start with a --- line and close it with another --- line";
    throw issuesError([issue(file, "", message, `start the file with\n${EXAMPLE}`)], { file });
  }
  // lineOffset 1: the YAML starts on the line after the opening `---`.
  const data = parseYamlStrict(split.yaml, { file, maxDepth: opts.maxDepth, lineOffset: 1 });
  const issues: Issue[] = [];
  const result = knowledgeFrontMatterSchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) {
    const fixes = { version: 'quote the version: version: "1.0.0"' };
    issues.push(...zodIssues(result.error, { file, schema: knowledgeFrontMatterSchema, fixes }));
  }
  const raw = (typeof data === "object" && data !== null ? data : {}) as { id?: unknown; category?: unknown };
  if (typeof raw.id === "string" && raw.id !== itemId) {
    const fix = `rename the file to ${raw.id}.md, or write id: ${itemId}`;
    issues.push(issue(file, "id", `id is "${raw.id}" but the file is ${itemId}.md`, fix));
  }
  const mismatch = categoryMismatch(file, raw.category, category);
  if (mismatch) issues.push(mismatch);
  const body = split.body.trim();
  if (body === "")
    issues.push(
      issue(
        file,
        "body",
        "the entry has no content after the front matter",
        "write the note below the closing ---",
      ),
    );
  if (!result.success || issues.some((i) => i.severity === "error")) throw issuesError(issues, { file });
  return { frontMatter: result.data, body };
}
