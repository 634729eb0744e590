import { matchToolId } from "../glob/match-tool-id";
import type { Grant, OrchestrationScope } from "../grant";

function matches(pattern: string, name: string): boolean {
  try {
    return matchToolId(pattern, name);
  } catch {
    return pattern === name;
  }
}

function within(category: string, c: string): boolean {
  return category === c || category.startsWith(`${c}/`);
}

/** Whether one orchestration rule admits spawning the directive (deny wins; empty allow lists admit all). */
export function scopeAdmits(scope: OrchestrationScope, target: { name: string; category: string }): boolean {
  if (!scope.enabled) return false;
  if (scope.deny_directives.some((p) => matches(p, target.name))) return false;
  if (scope.deny_categories.some((c) => within(target.category, c))) return false;
  if (scope.allow_directives.length && !scope.allow_directives.some((p) => matches(p, target.name)))
    return false;
  if (scope.allow_categories.length && !scope.allow_categories.some((c) => within(target.category, c)))
    return false;
  return true;
}

/**
 * The orchestration policy: a thread may spawn a directive when one of its `orchestration.spawn` grants
 * admits it by name and category. Returns the admitting grant, or undefined.
 */
export function orchestrationAdmits(
  grants: readonly Grant[],
  target: { name: string; category: string },
): Grant | undefined {
  return grants.find(
    (g) =>
      g.cap === "orchestration.spawn" &&
      typeof g.scope === "object" &&
      g.scope !== null &&
      "enabled" in g.scope &&
      scopeAdmits(g.scope, target),
  );
}
