import type { KnownErrorCode } from "@kiwi/spec";
import type { CST } from "yaml";

/** The first rule the token tree breaks, in document order. */
export interface TokenViolation {
  code: KnownErrorCode;
  offset: number;
  message: string;
}

const COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);

/**
 * Checks the parser's token tree (CST) before any node is composed. The CST is built iteratively, so
 * this walk (with an explicit stack) measures the exact nesting depth where composing would recurse,
 * and refuses anchors, aliases, tags and `%` directives before the composer can resolve any of them:
 * Kiwi items need none, and refusing them wholesale removes alias bombs and type smuggling at once.
 */
export function checkYamlTokens(tokens: readonly CST.Token[], maxDepth: number): TokenViolation | undefined {
  const documents = tokens.filter((t) => t.type === "document");
  const second = documents[1];
  if (second) {
    return {
      code: "PARSE_MULTI_DOC",
      offset: second.offset,
      message: "the file holds more than one YAML document (a `---` line after content); keep one document",
    };
  }
  // Items are pushed in reverse so the first violation found is the first one in the file.
  const stack: Array<{ node: unknown; depth: number }> = [...tokens]
    .reverse()
    .map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node !== "object" || node === null) continue;
    const violation = tokenViolation(node as Record<string, unknown>, depth, maxDepth);
    if (violation) return violation;
    const type = (node as { type?: unknown }).type;
    const childDepth = typeof type === "string" && COLLECTIONS.has(type) ? depth + 1 : depth;
    const children: unknown[] = [];
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) children.push(...value);
      else if (typeof value === "object" && value !== null) children.push(value);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], depth: childDepth });
  }
  return undefined;
}

function tokenViolation(
  node: Record<string, unknown>,
  depth: number,
  maxDepth: number,
): TokenViolation | undefined {
  const offset = typeof node.offset === "number" ? node.offset : 0;
  switch (node.type) {
    case "block-map":
    case "block-seq":
    case "flow-collection":
      return depth + 1 > maxDepth
        ? {
            code: "PARSE_DEPTH",
            offset,
            message: `nesting is deeper than ${maxDepth} levels; flatten the data`,
          }
        : undefined;
    case "anchor":
      return {
        code: "PARSE_ALIAS_LIMIT",
        offset,
        message: `anchor ${String(node.source)} is not allowed (Kiwi items use no anchors or aliases); write the value out`,
      };
    case "alias":
      return {
        code: "PARSE_ALIAS_LIMIT",
        offset,
        message: `alias ${String(node.source)} is not allowed (Kiwi items use no anchors or aliases); write the value out`,
      };
    case "tag":
      return {
        code: "PARSE_UNSUPPORTED",
        offset,
        message: `tag ${String(node.source)} is not allowed; remove it and write a plain value (quote it to make a string)`,
      };
    case "directive":
    case "directive-line":
      return {
        code: "PARSE_UNSUPPORTED",
        offset,
        message: "YAML directives (%YAML, %TAG) are not allowed; remove the line (items are always YAML 1.2)",
      };
    case "byte-order-mark":
      return { code: "PARSE_ENCODING", offset, message: "the text starts with a byte-order mark; remove it" };
    default:
      return undefined;
  }
}
