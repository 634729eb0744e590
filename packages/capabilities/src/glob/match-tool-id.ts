import { compileSegment } from "./compile-segment";
import { validatePattern } from "./validate-pattern";

const TOOL_ID = /^[a-z0-9_]+$/;

/**
 * True when tool id `id` is inside the tool-id pattern. `*` matches one or more characters, `_`
 * included, so `github_*` matches `github_list` AND `github_admin_delete`, but not `github`, `github_`,
 * `githubx` or `GITHUB_list` (S14). The bare `*` is accepted here: whether a grant may hold it was
 * decided when the grant was validated (S15). An id outside `[a-z0-9_]+` never matches.
 */
export function matchToolId(pattern: string, id: string): boolean {
  const normalised = validatePattern(pattern, "tool_id", { allowOmnibus: true });
  if (typeof id !== "string" || !TOOL_ID.test(id)) return false;
  return compileSegment(normalised)(id);
}
