import { type Issue, warning } from "../diagnostics";
import type { Directive } from "../schema/directive-schema";

/**
 * What a valid directive still lacks before it may run on a managed thread, as warnings in the words of
 * the file format. `<cost>` and `<model>` are optional for parsing (a directive can always be read and
 * followed by hand), but spawning needs both, so the kernel reports these when it says "cannot spawn".
 */
export function directiveSpawnIssues(directive: Directive, file: string): Issue[] {
  const issues: Issue[] = [];
  if (!directive.metadata.cost) {
    const fix =
      "add <cost><max_turns>30</max_turns><on_exceeded>escalate</on_exceeded></cost> inside <metadata>";
    issues.push(warning(file, "metadata.cost", "no <cost> in metadata", fix));
  }
  if (!directive.metadata.model) {
    const fix =
      'add <model tier="balanced"/> inside <metadata> (fast, balanced, general, reasoning, expert, orchestrator)';
    issues.push(warning(file, "metadata.model", "no <model> in metadata", fix));
  }
  const p = directive.metadata.permissions;
  if (p.grants.length === 0 && !p.orchestration && !p.knowledge && !p.directives) {
    const fix =
      'list what the work needs inside the permissions element, e.g. <execute resource="kiwi-mcp" action="search"/>';
    issues.push(warning(file, "metadata.permissions", "the permissions element grants nothing", fix));
  }
  return issues;
}
