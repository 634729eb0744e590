import { mapPermissions } from "./directive-permissions-mapper";
import { checkElement, onlyChild, type XmlMapContext } from "./xml-element-check";
import { missingElement } from "./xml-missing-element";
import type { XmlElement } from "./xml-tree";
import { numberValue } from "./xml-values";

const METADATA_CHILDREN = [
  "description",
  "category",
  "author",
  "model",
  "harness",
  "cost",
  "permissions",
  "relationships",
];
const COST_NUMBERS = [
  "max_turns",
  "max_input_tokens",
  "max_output_tokens",
  "max_total_tokens",
  "max_cost_usd",
  "max_context_tokens",
  "context_warning_threshold",
  "compact_at",
];
const RELATION_KINDS = ["requires", "suggests", "extends", "related"];

/** `<metadata>` → the metadata object (unvalidated; the schema checks values afterwards). */
export function mapMetadata(el: XmlElement, ctx: XmlMapContext): Record<string, unknown> {
  checkElement(el, "metadata", { children: METADATA_CHILDREN }, ctx);
  const out: Record<string, unknown> = {};
  const description = textChild(el, "description", "metadata", ctx);
  if (description === undefined) {
    const example = "<description>What this directive does</description>";
    missingElement(ctx, { field: "metadata.description", name: "description", parent: "metadata", example });
  } else out.description = description;
  out.category = textChild(el, "category", "metadata", ctx) ?? "";
  const author = textChild(el, "author", "metadata", ctx);
  if (author !== undefined) out.author = author;

  const model = onlyChild(el, "model", "metadata", ctx);
  if (model) {
    checkElement(model, "metadata.model", { attributes: ["tier", "fallback", "id"], text: true }, ctx);
    const mapped: Record<string, unknown> = { tier: model.attrs.tier };
    for (const name of ["fallback", "id"])
      if (model.attrs[name] !== undefined) mapped[name] = model.attrs[name];
    if (model.text !== "") mapped.reasoning = model.text;
    out.model = mapped;
  }
  const harness = textChild(el, "harness", "metadata", ctx);
  if (harness !== undefined) out.harness = harness;
  const cost = onlyChild(el, "cost", "metadata", ctx);
  if (cost) out.cost = mapCost(cost, ctx);
  const permissions = onlyChild(el, "permissions", "metadata", ctx);
  if (permissions) out.permissions = mapPermissions(permissions, ctx);
  else {
    const example =
      '<permissions/> (grants nothing) or <permissions><read resource="filesystem" path="src/**"/></permissions>';
    missingElement(ctx, { field: "metadata.permissions", name: "permissions", parent: "metadata", example });
  }
  const relationships = onlyChild(el, "relationships", "metadata", ctx);
  if (relationships) out.relationships = mapRelationships(relationships, ctx);
  return out;
}

function mapCost(el: XmlElement, ctx: XmlMapContext): Record<string, unknown> {
  checkElement(el, "metadata.cost", { children: [...COST_NUMBERS, "on_exceeded"] }, ctx);
  const out: Record<string, unknown> = {};
  for (const name of [...COST_NUMBERS, "on_exceeded"]) {
    const text = textChild(el, name, "metadata.cost", ctx);
    if (text !== undefined) out[name] = name === "on_exceeded" ? text : numberValue(text);
  }
  if (out.max_turns === undefined) {
    const example = "<max_turns>30</max_turns>";
    missingElement(ctx, { field: "metadata.cost.max_turns", name: "max_turns", parent: "cost", example });
  }
  if (out.on_exceeded === undefined) {
    const example = "<on_exceeded>escalate</on_exceeded> (stop, warn or escalate)";
    missingElement(ctx, { field: "metadata.cost.on_exceeded", name: "on_exceeded", parent: "cost", example });
  }
  return out;
}

function mapRelationships(el: XmlElement, ctx: XmlMapContext): Record<string, string[]> {
  checkElement(el, "metadata.relationships", { children: RELATION_KINDS }, ctx);
  const out: Record<string, string[]> = {};
  for (const kind of RELATION_KINDS) {
    const field = `metadata.relationships.${kind}`;
    out[kind] = [];
    for (const child of el.children.filter((c) => c.name === kind)) {
      checkElement(child, field, { attributes: ["directive"], text: true }, ctx);
      const attr = child.attrs.directive;
      if (attr !== undefined && child.text !== "" && attr !== child.text) {
        const message = `<${kind}> (line ${child.line}) names "${attr}" in directive= and "${child.text}" as text`;
        ctx.issues.push({ file: ctx.file, field, message, fix: "keep one of the two", severity: "error" });
      }
      out[kind].push(attr ?? child.text);
    }
  }
  return out;
}

/** Text of the single child `name` (checked to hold only text), or undefined when absent. */
function textChild(el: XmlElement, name: string, field: string, ctx: XmlMapContext): string | undefined {
  const child = onlyChild(el, name, field, ctx);
  if (child) checkElement(child, `${field}.${name}`, { text: true }, ctx);
  return child?.text;
}
