import { GRANT_ATTRIBUTES, PERMISSION_VERBS } from "../schema/directive-permissions-schema";
import { checkElement, onlyChild, type XmlMapContext } from "./xml-element-check";
import type { XmlElement } from "./xml-tree";
import { booleanValue, listValue } from "./xml-values";

const VERBS: readonly string[] = PERMISSION_VERBS;
const GRANT_ATTRS: readonly string[] = ["resource", ...GRANT_ATTRIBUTES];
const CATEGORY_LISTS = ["allow_categories", "deny_categories"] as const;
const ORCHESTRATION_LISTS = [...CATEGORY_LISTS, "allow_directives", "deny_directives"] as const;

/**
 * `<permissions>` → `{grants, orchestration?, knowledge?, directives?}`. Every verb tag becomes one grant,
 * so one `<read/>` and two `<read/>` produce the same shape: always an array (battery X7). Attribute
 * values arrive already entity-decoded from the XML parser, so the schema and the capability layer
 * check the value that will be used (X10).
 */
export function mapPermissions(el: XmlElement, ctx: XmlMapContext): Record<string, unknown> {
  const field = "metadata.permissions";
  checkElement(el, field, { children: [...VERBS, "orchestration", "knowledge", "directives"] }, ctx);
  const grants: Record<string, unknown>[] = [];
  for (const child of el.children) {
    if (!VERBS.includes(child.name)) continue;
    checkElement(child, `${field}.grants[${grants.length}]`, { attributes: GRANT_ATTRS }, ctx);
    const grant: Record<string, unknown> = { verb: child.name };
    for (const name of GRANT_ATTRS) {
      const value = child.attrs[name];
      if (value !== undefined) grant[name] = value;
    }
    grants.push(grant);
  }
  const out: Record<string, unknown> = { grants };
  const orchestration = onlyChild(el, "orchestration", field, ctx);
  if (orchestration) {
    const f = `${field}.orchestration`;
    checkElement(orchestration, f, { children: ORCHESTRATION_LISTS, attributes: ["enabled"] }, ctx);
    out.orchestration = {
      enabled: booleanValue(orchestration.attrs.enabled),
      ...lists(orchestration, ORCHESTRATION_LISTS, f, ctx),
    };
  }
  for (const name of ["knowledge", "directives"] as const) {
    const access = onlyChild(el, name, field, ctx);
    if (!access) continue;
    checkElement(access, `${field}.${name}`, { children: CATEGORY_LISTS }, ctx);
    out[name] = lists(access, CATEGORY_LISTS, `${field}.${name}`, ctx);
  }
  return out;
}

/** Comma-separated list children; an absent list is empty. */
function lists(
  el: XmlElement,
  names: readonly string[],
  field: string,
  ctx: XmlMapContext,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const child = onlyChild(el, name, field, ctx);
    if (child) checkElement(child, `${field}.${name}`, { text: true }, ctx);
    out[name] = child ? listValue(child.text) : [];
  }
  return out;
}
