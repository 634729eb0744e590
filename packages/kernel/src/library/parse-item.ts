import type { ItemType } from "../items/item-type";
import type { Limits } from "../limits";
import { decodeItemBytes } from "../parse/decode-item-bytes";
import { type Directive, parseDirective } from "../parse/directive-parser";
import { type KnowledgeEntry, parseKnowledge } from "../parse/knowledge-parser";
import { parseTool, type ToolDefinition } from "../parse/tool-parser";

export type ParsedItem =
  | { readonly itemType: "directive"; readonly data: Directive }
  | { readonly itemType: "tool"; readonly data: ToolDefinition }
  | { readonly itemType: "knowledge"; readonly data: KnowledgeEntry };

/** Decodes and parses an item body (the bytes after the signature line) by type. Throws KiwiError. */
export function parseItemBody(options: {
  itemType: ItemType;
  body: Uint8Array;
  file: string;
  id: string;
  category: string;
  limits: Limits;
}): ParsedItem {
  const { itemType, body, file, id, category, limits } = options;
  const text = decodeItemBytes(body, { file, maxBytes: limits.maxItemBytes });
  const opts = { file, itemId: id, category, maxDepth: limits.maxDepth };
  switch (itemType) {
    case "directive":
      return { itemType, data: parseDirective(text, opts) };
    case "tool":
      return { itemType, data: parseTool(text, opts) };
    case "knowledge":
      return { itemType, data: parseKnowledge(text, opts) };
  }
}

/** The description/title shown in search results and listings. */
export function summarise(item: ParsedItem): { title: string; description: string; version: string } {
  switch (item.itemType) {
    case "directive":
      return {
        title: item.data.name,
        description: item.data.metadata.description,
        version: item.data.version,
      };
    case "tool":
      return { title: item.data.tool_id, description: item.data.description, version: item.data.version };
    case "knowledge":
      return {
        title: item.data.frontMatter.title,
        description: item.data.body.slice(0, 200),
        version: item.data.frontMatter.version,
      };
  }
}
