import type { CapabilityRegistry } from "../definitions/capability-registry";
import { isSubPattern } from "../glob/is-sub-pattern";
import type { CategoryScope, Grant, OrchestrationScope } from "../grant";

export interface DroppedGrant {
  readonly grant: Grant;
  readonly reason: string;
}

function intersectLists(parent: readonly string[], child: readonly string[]): string[] {
  // An empty allow-list means "every category": the other list decides.
  if (parent.length === 0) return [...child];
  if (child.length === 0) return [...parent];
  return child.filter((c) => parent.includes(c));
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function narrowCategories(parent: CategoryScope, child: CategoryScope): CategoryScope {
  return {
    allow_categories: intersectLists(parent.allow_categories, child.allow_categories),
    deny_categories: union(parent.deny_categories, child.deny_categories),
  };
}

function narrowOrchestration(parent: OrchestrationScope, child: OrchestrationScope): OrchestrationScope {
  return {
    enabled: parent.enabled && child.enabled,
    ...narrowCategories(parent, child),
    allow_directives: intersectLists(parent.allow_directives, child.allow_directives),
    deny_directives: union(parent.deny_directives, child.deny_directives),
  };
}

function patternKind(cap: string, registry: CapabilityRegistry): "path" | "tool_id" {
  return registry.get(cap)?.scope === "tool_id" ? "tool_id" : "path";
}

/**
 * A child's grants under a parent token: each child grant survives only as a proven subset of a parent
 * grant of the same capability. A child pattern inside a parent pattern is kept as is; a child pattern
 * wider than a parent pattern is narrowed to the parent's (a child asking `src/**` under a parent holding
 * `src/lib/**` gets `src/lib/**`); incomparable patterns and capabilities the parent lacks are dropped and
 * reported. Names alone never intersect. Category and orchestration rules narrow: allow-lists intersect,
 * deny-lists add up.
 */
export function attenuate(options: {
  parent: readonly Grant[];
  child: readonly Grant[];
  registry: CapabilityRegistry;
}): { grants: Grant[]; dropped: DroppedGrant[] } {
  const { parent, child, registry } = options;
  const grants: Grant[] = [];
  const dropped: DroppedGrant[] = [];
  const seen = new Set<string>();
  const keep = (g: Grant) => {
    const key = JSON.stringify(g);
    if (!seen.has(key)) {
      seen.add(key);
      grants.push(g);
    }
  };
  for (const g of child) {
    const same = parent.filter((p) => p.cap === g.cap);
    if (same.length === 0) {
      dropped.push({ grant: g, reason: `the parent does not hold ${g.cap}` });
      continue;
    }
    if (g.scope === undefined) {
      // An unscoped child grant is only as wide as the parent's grants of that capability.
      for (const p of same) keep(p);
      continue;
    }
    if (typeof g.scope === "string") {
      const kind = patternKind(g.cap, registry);
      let kept = false;
      for (const p of same) {
        if (p.scope === undefined) {
          keep(g);
          kept = true;
        } else if (typeof p.scope === "string") {
          if (isSubPattern(g.scope, p.scope, kind)) {
            keep(g);
            kept = true;
          } else if (isSubPattern(p.scope, g.scope, kind)) {
            keep(p);
            kept = true;
          }
        }
      }
      if (!kept)
        dropped.push({ grant: g, reason: `${g.cap} ${g.scope} is not within the parent's ${g.cap} scopes` });
      continue;
    }
    for (const p of same) {
      if (p.scope === undefined) keep(g);
      else if (typeof p.scope === "object" && "enabled" in g.scope && "enabled" in p.scope) {
        keep({ cap: g.cap, scope: narrowOrchestration(p.scope, g.scope) });
      } else if (typeof p.scope === "object") {
        keep({ cap: g.cap, scope: narrowCategories(p.scope, g.scope) });
      }
    }
  }
  return { grants, dropped };
}
