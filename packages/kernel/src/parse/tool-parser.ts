import { type Issue, issue, issuesError } from "../diagnostics";
import { type ToolDefinition, toolSchema } from "../schema/tool-schema";
import { zodIssues } from "../schema/zod-issues";
import { categoryMismatch } from "./front-matter-category";
import { parseYamlStrict } from "./hardened-yaml";
import type { ParseItemOptions } from "./parse-item-options";

export type { ToolDefinition } from "../schema/tool-schema";

const REQUIRES_FIX = "list the capabilities, e.g. requires: [fs.read], or write requires: none";

const TOOL_FIXES: Readonly<Record<string, string>> = {
  requires: REQUIRES_FIX,
  version: 'quote the version: version: "1.0.0"',
  "actions.*.requires": "list the capabilities, e.g. requires: [fs.write]",
};

const UNKNOWN_KEY_HINTS: Readonly<Record<string, string>> = {
  stream: "stream settings live inside config; move it to config: { stream: … }",
  executor:
    "did you mean executor_id (the parent tool or primitive)? Tools never run shell commands directly",
};

/**
 * Parses a tool definition (YAML). The YAML is parsed under the hardened rules (parse errors throw their
 * own codes), then validated by the strict tool schema; every schema problem plus id/category mismatches
 * are collected and thrown together as VALIDATION_FAILED.
 */
export function parseTool(text: string, opts: ParseItemOptions): ToolDefinition {
  const { file, itemId, category } = opts;
  const data = parseYamlStrict(text, { file, maxDepth: opts.maxDepth });
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    const fix = 'start with tool_id: …, version: "1.0.0", description: …, requires: [...]';
    throw issuesError([issue(file, "", "a tool file must be a YAML mapping (key: value pairs)", fix)], {
      file,
    });
  }
  const issues: Issue[] = [];
  const result = toolSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    issues.push(
      ...zodIssues(result.error, {
        file,
        schema: toolSchema,
        fixes: TOOL_FIXES,
        unknownKeyHints: UNKNOWN_KEY_HINTS,
      }),
    );
  }
  const raw = data as { tool_id?: unknown; category?: unknown };
  if (
    typeof raw.tool_id === "string" &&
    raw.tool_id !== itemId &&
    !issues.some((i) => i.field === "tool_id")
  ) {
    const fix = `rename the file to ${raw.tool_id}.yaml, or write tool_id: ${itemId}`;
    issues.push(issue(file, "tool_id", `tool_id is "${raw.tool_id}" but the file is ${itemId}.yaml`, fix));
  }
  const mismatch = categoryMismatch(file, raw.category, category);
  if (mismatch) issues.push(mismatch);
  if (!result.success || issues.some((i) => i.severity === "error")) throw issuesError(issues, { file });
  return result.data;
}
