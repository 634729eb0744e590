import { issue } from "../diagnostics";
import { mapInputs, mapNamedTexts, mapProcess, mapSuccessCriteria } from "./directive-body-mapper";
import { mapMetadata } from "./directive-metadata-mapper";
import { checkElement, onlyChild, type XmlMapContext } from "./xml-element-check";
import { missingElement } from "./xml-missing-element";
import type { XmlElement } from "./xml-tree";

const TOP_LEVEL = ["metadata", "inputs", "process", "context", "success_criteria", "outputs"];

/**
 * The `<directive>` element → the object the directive schema validates. Problems of the XML shape
 * (unknown or missing elements, unknown attributes, repeated singletons) go to `ctx.issues` in XML terms;
 * values are left for the schema, so a bad number is reported with its text.
 */
export function mapDirectiveTree(
  root: XmlElement,
  ctx: XmlMapContext,
  itemId: string,
): Record<string, unknown> {
  checkElement(root, "", { children: TOP_LEVEL, attributes: ["name", "version"] }, ctx);
  const out: Record<string, unknown> = {};
  for (const attr of ["name", "version"] as const) {
    const value = root.attrs[attr];
    if (value !== undefined) out[attr] = value;
    else {
      const fix = `write <directive name="${itemId}" version="1.0.0">`;
      ctx.issues.push(issue(ctx.file, attr, `<directive> (line ${root.line}) has no ${attr} attribute`, fix));
    }
  }
  const metadata = onlyChild(root, "metadata", "", ctx);
  if (metadata) out.metadata = mapMetadata(metadata, ctx);
  else {
    const example = "<metadata><description>…</description><permissions/></metadata>";
    missingElement(ctx, { field: "metadata", name: "metadata", parent: "directive", example });
  }
  const child = (name: string) => onlyChild(root, name, "", ctx);
  const inputs = child("inputs");
  out.inputs = inputs ? mapInputs(inputs, ctx) : [];
  const process = child("process");
  out.process = process ? mapProcess(process, ctx) : [];
  const context = child("context");
  out.context = context ? mapNamedTexts(context, "context", ctx) : {};
  const criteria = child("success_criteria");
  out.success_criteria = criteria ? mapSuccessCriteria(criteria, ctx) : [];
  const outputs = child("outputs");
  out.outputs = outputs ? mapNamedTexts(outputs, "outputs", ctx) : {};
  return out;
}
