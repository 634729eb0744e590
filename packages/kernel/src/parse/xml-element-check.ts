import { type Issue, issue } from "../diagnostics";
import { closestName } from "../schema/closest-name";
import type { XmlElement } from "./xml-tree";

/** Where mapping problems are collected, so one pass reports all of them. */
export interface XmlMapContext {
  file: string;
  issues: Issue[];
}

export interface ElementRules {
  /** Child element names allowed; "any" for free-form containers. Default: none. */
  children?: readonly string[] | "any";
  /** Attribute names allowed. Default: none. */
  attributes?: readonly string[];
  /** Whether the element may hold text of its own. Default: false. */
  text?: boolean;
}

/**
 * Reports everything in an element that its rules do not name: unknown children (`<admin>`,
 * `<Permissions>`, `<k:permissions>`), unknown attributes (`pat=`), stray text. Fail closed: nothing
 * a reader might take for meaningful is dropped silently (battery X8, X11).
 */
export function checkElement(el: XmlElement, field: string, rules: ElementRules, ctx: XmlMapContext): void {
  const children = rules.children ?? [];
  const attributes = rules.attributes ?? [];
  if (children !== "any") {
    for (const child of el.children) {
      if (children.includes(child.name)) continue;
      const near = closestName(child.name, children);
      const fix =
        children.length === 0
          ? `<${el.name}> holds only text: write < as &lt; or wrap the text in <![CDATA[ ]]>`
          : `${near ? `did you mean <${near}>? Otherwise remove it` : "remove it"}; allowed: ${children.map((c) => `<${c}>`).join(", ")}`;
      ctx.issues.push(
        issue(
          ctx.file,
          field,
          `<${child.name}> (line ${child.line}) is not allowed inside <${el.name}>`,
          fix,
        ),
      );
    }
  }
  for (const [name, value] of Object.entries(el.attrs)) {
    if (attributes.includes(name)) continue;
    const near = closestName(name, attributes);
    const fix =
      attributes.length === 0
        ? `remove it; <${el.name}> takes no attributes`
        : `${near ? `did you mean ${near}=? Otherwise remove it` : "remove it"}; allowed: ${attributes.join(", ")}`;
    ctx.issues.push(
      issue(ctx.file, field, `unknown attribute ${name}="${value}" on <${el.name}> (line ${el.line})`, fix),
    );
  }
  if (!rules.text && el.text !== "") {
    ctx.issues.push(
      issue(
        ctx.file,
        field,
        `text directly inside <${el.name}> (line ${el.line}) is not allowed`,
        "move it into a child element or remove it",
      ),
    );
  }
}

/** The single child named `name`, or undefined. A repeated singleton is an error, never "first wins". */
export function onlyChild(
  el: XmlElement,
  name: string,
  field: string,
  ctx: XmlMapContext,
): XmlElement | undefined {
  const found = el.children.filter((c) => c.name === name);
  if (found.length > 1) {
    const lines = found.map((c) => c.line).join(", ");
    ctx.issues.push(
      issue(
        ctx.file,
        field,
        `<${name}> appears ${found.length} times in <${el.name}> (lines ${lines})`,
        `keep one <${name}>`,
      ),
    );
  }
  return found[0];
}
