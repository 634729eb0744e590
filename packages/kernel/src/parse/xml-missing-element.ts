import { issue } from "../diagnostics";
import type { XmlMapContext } from "./xml-element-check";

/**
 * Reports a required element that is absent, in the words of the file format: message
 * `no <cost> in metadata`, fix `add <cost>…</cost> inside <metadata>`.
 */
export function missingElement(
  ctx: XmlMapContext,
  where: { field: string; name: string; parent: string; example: string },
): void {
  ctx.issues.push(
    issue(
      ctx.file,
      where.field,
      `no <${where.name}> in ${where.parent}`,
      `add ${where.example} inside <${where.parent}>`,
    ),
  );
}
