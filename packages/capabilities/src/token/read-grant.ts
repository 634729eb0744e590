import type { CategoryScope, Grant, OrchestrationScope } from "../grant";

/** Lower-case dotted names: a namespace, then one or more segments (later ones may hold `*`). */
export const CAP_NAME_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_*-]*)+$/;

const MAX_CAP_LENGTH = 128;
const MAX_SCOPE_LENGTH = 1024;
// Keys that mean something to the object model: a grant carrying one is hostile, not merely odd.
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
const CATEGORY_KEYS = ["allow_categories", "deny_categories"] as const;
const ORCHESTRATION_KEYS = [...CATEGORY_KEYS, "enabled", "allow_directives", "deny_directives"] as const;

export type GrantReading =
  | { readonly ok: true; readonly grant: Grant }
  | { readonly ok: false; readonly problem: string; readonly prototypeKey: boolean };

/**
 * Reads one `caps` entry into a fresh, frozen grant holding only the known fields. Anything else is a
 * problem: unknown fields included, because a field this version does not know might be a restriction
 * added by a newer one, and ignoring a restriction would widen the grant.
 */
export function readGrant(value: unknown): GrantReading {
  if (!isPlainObject(value)) {
    const odd = typeof value === "object" && value !== null && !Array.isArray(value);
    return fail("a grant must be a plain object {cap, scope?}", odd);
  }
  const keys = Object.keys(value);
  if (keys.some((key) => PROTOTYPE_KEYS.has(key))) return fail("a grant must not carry prototype keys", true);
  if (keys.some((key) => key !== "cap" && key !== "scope"))
    return fail("a grant has only the fields cap and scope");
  const { cap, scope } = value;
  if (typeof cap !== "string" || cap.length > MAX_CAP_LENGTH || !CAP_NAME_PATTERN.test(cap)) {
    return fail(
      `cap must be a lower-case dotted name such as "fs.read" (at most ${MAX_CAP_LENGTH} characters)`,
    );
  }
  if (cap.split(".").some((segment) => PROTOTYPE_KEYS.has(segment))) {
    return fail("cap name segments must not be prototype keys");
  }
  if (scope === undefined) return ok({ cap });
  if (typeof scope === "string") {
    if (scope.length === 0 || scope.length > MAX_SCOPE_LENGTH) {
      return fail(`a string scope must have 1 to ${MAX_SCOPE_LENGTH} characters`);
    }
    return ok({ cap, scope });
  }
  if (!isPlainObject(scope)) return fail("scope must be a string or a category/orchestration object", false);
  const scopeKeys = Object.keys(scope);
  if (scopeKeys.some((key) => PROTOTYPE_KEYS.has(key)))
    return fail("a scope must not carry prototype keys", true);
  const structured = readStructuredScope(scope, scopeKeys);
  return structured === undefined
    ? fail(
        `scope objects have exactly the fields ${CATEGORY_KEYS.join(", ")} (plus enabled, allow_directives, deny_directives for orchestration)`,
      )
    : ok({ cap, scope: structured });
}

function readStructuredScope(
  scope: Record<string, unknown>,
  keys: readonly string[],
): CategoryScope | OrchestrationScope | undefined {
  const allow = stringList(scope.allow_categories);
  const deny = stringList(scope.deny_categories);
  if (allow === undefined || deny === undefined) return undefined;
  if (sameKeys(keys, CATEGORY_KEYS)) return Object.freeze({ allow_categories: allow, deny_categories: deny });
  if (!sameKeys(keys, ORCHESTRATION_KEYS) || typeof scope.enabled !== "boolean") return undefined;
  const allowDirectives = stringList(scope.allow_directives);
  const denyDirectives = stringList(scope.deny_directives);
  if (allowDirectives === undefined || denyDirectives === undefined) return undefined;
  return Object.freeze({
    allow_categories: allow,
    deny_categories: deny,
    enabled: scope.enabled,
    allow_directives: allowDirectives,
    deny_directives: denyDirectives,
  });
}

function stringList(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== "string" || item.length === 0 || item.length > MAX_SCOPE_LENGTH) return undefined;
    out.push(item);
  }
  return Object.freeze(out);
}

function sameKeys(keys: readonly string[], expected: readonly string[]): boolean {
  return keys.length === expected.length && expected.every((key) => keys.includes(key));
}

/** JSON.parse only yields these; a class instance or an object with a swapped prototype is refused. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function ok(grant: Grant): GrantReading {
  return { ok: true, grant: Object.freeze(grant) };
}

function fail(problem: string, prototypeKey = false): GrantReading {
  return { ok: false, problem, prototypeKey };
}
