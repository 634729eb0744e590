import { issue } from "../diagnostics";
import { checkElement, onlyChild, type XmlMapContext } from "./xml-element-check";
import type { XmlElement } from "./xml-tree";
import { booleanValue } from "./xml-values";

/** `<inputs><input name type required default>description</input>…</inputs>` → input list. */
export function mapInputs(el: XmlElement, ctx: XmlMapContext): Record<string, unknown>[] {
  checkElement(el, "inputs", { children: ["input"] }, ctx);
  return el.children
    .filter((c) => c.name === "input")
    .map((input, index) => {
      checkElement(
        input,
        `inputs[${index}]`,
        { attributes: ["name", "type", "required", "default"], text: true },
        ctx,
      );
      const { name, type, required } = input.attrs;
      // An untyped input is text, as in the original Kiwi format.
      const out: Record<string, unknown> = {
        name,
        type: type ?? "string",
        required: booleanValue(required) ?? false,
      };
      if (input.attrs.default !== undefined) out.default = input.attrs.default;
      out.description = input.text;
      return out;
    });
}

/** `<process><step name condition><description/><action/></step>…</process>` → steps in order. */
export function mapProcess(el: XmlElement, ctx: XmlMapContext): Record<string, unknown>[] {
  checkElement(el, "process", { children: ["step"] }, ctx);
  return el.children
    .filter((c) => c.name === "step")
    .map((step, index) => {
      const field = `process[${index}]`;
      checkElement(
        step,
        field,
        { children: ["description", "action"], attributes: ["name", "condition"] },
        ctx,
      );
      const text = (name: string) => {
        const child = onlyChild(step, name, field, ctx);
        if (child) checkElement(child, `${field}.${name}`, { text: true }, ctx);
        return child?.text ?? "";
      };
      const out: Record<string, unknown> = {
        name: step.attrs.name,
        description: text("description"),
        action: text("action"),
      };
      if (step.attrs.condition !== undefined) out.condition = step.attrs.condition;
      return out;
    });
}

/** Free-form `<context>` / `<outputs>`: each child is a named text. */
export function mapNamedTexts(el: XmlElement, field: string, ctx: XmlMapContext): Record<string, string> {
  checkElement(el, field, { children: "any" }, ctx);
  const out: Record<string, string> = {};
  for (const child of el.children) {
    checkElement(child, `${field}.${child.name}`, { text: true }, ctx);
    if (Object.hasOwn(out, child.name)) {
      const message = `<${child.name}> appears more than once in <${el.name}> (line ${child.line})`;
      ctx.issues.push(
        issue(ctx.file, `${field}.${child.name}`, message, `merge them into one <${child.name}>`),
      );
    }
    out[child.name] = child.text;
  }
  return out;
}

/** `<success_criteria>`: `<criterion>` children, or one criterion per non-empty text line. */
export function mapSuccessCriteria(el: XmlElement, ctx: XmlMapContext): string[] {
  if (el.children.length > 0) {
    checkElement(el, "success_criteria", { children: ["criterion"] }, ctx);
    return el.children.map((c, index) => {
      checkElement(c, `success_criteria[${index}]`, { text: true }, ctx);
      return c.text;
    });
  }
  checkElement(el, "success_criteria", { text: true }, ctx);
  return el.text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim().replace(/^(?:[-*•]|\d+[.)])\s+/, ""))
    .filter((line) => line !== "");
}
