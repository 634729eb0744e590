import type { KnownErrorCode } from "@kiwi/spec";
import { SaxesParser } from "saxes";
import { parseFailure } from "./parse-failure";
import { isReservedObjectKey } from "./reserved-object-keys";
import { findBareAmpersand } from "./xml-bare-ampersand";
import { rejectDtdMarkup } from "./xml-dtd-check";

/** One XML element. `attrs` has no prototype, so no attribute name can reach Object.prototype. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside this element, concatenated and trimmed. */
  text: string;
  /** 1-based line of the start tag (in the file, when a line offset was given). */
  line: number;
}

export interface ParseXmlTreeOptions {
  file: string;
  /** Deepest element nesting accepted (the root element is depth 1). */
  maxDepth: number;
  /** Lines before the XML text in its file, added to reported lines (the block sits inside Markdown). */
  lineOffset?: number;
}

const TIP =
  "escape & as &amp; and < as &lt; in text, or wrap it in <![CDATA[ ]]>, and check that every tag is closed";

/** saxes' message without its "line:column: " prefix, plus what to do about it. */
function explain(message: string): string {
  const text = message.replace(/^\d+:\d+: /, "").replace(/\.$/, "");
  if (text.startsWith("duplicate attribute")) return `${text}; write each attribute once`;
  return `${text}; ${TIP}`;
}

/**
 * Parses an XML fragment with one root element into a plain tree. saxes is strict (well-formedness
 * errors are errors) and only ever decodes the five predefined entities and numeric character
 * references. DOCTYPE and ENTITY declarations are refused on the raw text before parsing, so no
 * entity is ever defined, expanded or fetched. Depth is checked on every start tag, so a deeply nested
 * document stops at the first element past the limit.
 */
export function parseXmlTree(xml: string, opts: ParseXmlTreeOptions): XmlElement {
  const { file, maxDepth } = opts;
  const lineOffset = opts.lineOffset ?? 0;
  rejectDtdMarkup(xml, { file, lineOffset });

  const amp = findBareAmpersand(xml);
  if (amp !== undefined) {
    const line = lineOf(xml, amp);
    const column = amp - (xml.lastIndexOf("\n", amp - 1) + 1) + 1;
    const message = "a bare & in the text; write it as &amp; (or wrap the text in <![CDATA[ ]]>)";
    throw parseFailure("PARSE_ERROR", { file, line: line + lineOffset, column, message });
  }

  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (code: KnownErrorCode, message: string, line?: number) =>
    parseFailure(code, { file, line: (line ?? parser.line) + lineOffset, column: parser.column, message });

  parser.on("error", (error) => {
    throw fail("PARSE_ERROR", explain(error.message));
  });
  parser.on("opentagstart", (tag) => {
    // The start tag's line: the parser may already have read a line break after the name, so count
    // back from the current line over the few characters since "<" (cheap, unlike rescanning the text).
    const lt = xml.lastIndexOf("<", parser.position - 1);
    const line = parser.line - countLineBreaks(xml.slice(Math.max(lt, 0), parser.position));
    if (stack.length + 1 > maxDepth) {
      throw fail("PARSE_DEPTH", `elements are nested deeper than ${maxDepth} levels; flatten the XML`, line);
    }
    if (isReservedObjectKey(tag.name)) {
      throw fail(
        "PARSE_RESERVED_KEY",
        `the element name <${tag.name}> is reserved; rename or remove it`,
        line,
      );
    }
    const element: XmlElement = {
      name: tag.name,
      attrs: Object.create(null),
      children: [],
      text: "",
      line: line + lineOffset,
    };
    stack[stack.length - 1]?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on("attribute", (attr) => {
    if (isReservedObjectKey(attr.name)) {
      throw fail("PARSE_RESERVED_KEY", `the attribute name ${attr.name} is reserved; rename or remove it`);
    }
    const current = stack[stack.length - 1];
    // Duplicates are reported by saxes itself (as PARSE_ERROR) right after this event.
    if (current) current.attrs[attr.name] = attr.value;
  });
  const addText = (text: string) => {
    const current = stack[stack.length - 1];
    if (current) current.text += text;
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.on("closetag", () => {
    const element = stack.pop();
    if (element) element.text = element.text.trim();
  });

  parser.write(xml).close();
  if (!root) throw parseFailure("PARSE_ERROR", { file, message: `no XML element found; ${TIP}` });
  return root;
}

/** `\r\n`, `\r` and `\n` each end a line, as in saxes. */
function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** 1-based line number of a string index. */
function lineOf(text: string, index: number): number {
  return 1 + countLineBreaks(text.slice(0, index));
}
