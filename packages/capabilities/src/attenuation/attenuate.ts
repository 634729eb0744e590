import type { CapabilityRegistry } from "../definitions/capability-registry";
import { isSubPattern } from "../glob/is-sub-pattern";
import type { CategoryScope, Grant, OrchestrationScope } from "../grant";

export interface DroppedGrant {
  readonly grant: Grant;
  readonly reason: string;
}

/** Empty allow-list: "all". A narrowing that leaves two non-empty lists nothing in common admits nothing. */
const NOTHING = null;

/**
 * Allow-lists narrow to what both admit. An empty list means "all", so the other list decides; two
 * non-empty lists keep each entry of one that lies within an entry of the other (the narrower of the
 * two); when nothing is common the result is NOTHING — never the empty list, which would mean "all".
 */
function intersectLists(
  parent: readonly string[],
  child: readonly string[],
  within: (inner: string, outer: string) => boolean,
): string[] | typeof NOTHING {
  if (parent.length === 0) return [...child];
  if (child.length === 0) return [...parent];
  const out = new Set<string>();
  for (const c of child)
    for (const p of parent) {
      if (within(c, p)) out.add(c);
      else if (within(p, c)) out.add(p);
    }
  return out.size ? [...out] : NOTHING;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

const categoryWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);

function directiveWithin(inner: string, outer: string): boolean {
  try {
    return isSubPattern(inner, outer, "tool_id");
  } catch {
    return inner === outer;
  }
}

function narrowCategories(parent: CategoryScope, child: CategoryScope): CategoryScope | typeof NOTHING {
  const allow = intersectLists(parent.allow_categories, child.allow_categories, categoryWithin);
  if (allow === NOTHING) return NOTHING;
  return { allow_categories: allow, deny_categories: union(parent.deny_categories, child.deny_categories) };
}

function narrowOrchestration(
  parent: OrchestrationScope,
  child: OrchestrationScope,
): OrchestrationScope | typeof NOTHING {
  const categories = narrowCategories(parent, child);
  const directives = intersectLists(parent.allow_directives, child.allow_directives, directiveWithin);
  if (categories === NOTHING || directives === NOTHING || !(parent.enabled && child.enabled)) return NOTHING;
  return {
    enabled: true,
    ...categories,
    allow_directives: directives,
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
 * reported. Names alone never intersect. Category and orchestration rules narrow: allow-lists intersect
 * (by category prefix and directive glob; with nothing in common the grant is dropped, since an empty
 * allow-list would mean "all"), deny-lists add up, and orchestration stays enabled only if both enable it.
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
    let kept = false;
    for (const p of same) {
      let scope: Grant["scope"] | typeof NOTHING = NOTHING;
      if (p.scope === undefined) scope = g.scope;
      else if (typeof p.scope === "object" && "enabled" in g.scope && "enabled" in p.scope)
        scope = narrowOrchestration(p.scope, g.scope);
      else if (typeof p.scope === "object") scope = narrowCategories(p.scope, g.scope);
      if (scope !== NOTHING) {
        keep({ cap: g.cap, scope } as Grant);
        kept = true;
      }
    }
    if (!kept)
      dropped.push({
        grant: g,
        reason: `${g.cap}: nothing the child asks for is within what the parent allows`,
      });
  }
  return { grants, dropped };
}
