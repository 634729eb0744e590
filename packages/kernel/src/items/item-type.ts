export const ITEM_TYPES = ["directive", "tool", "knowledge"] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** The folder of each item type inside a space (`.ai/<folder>/<category>/<id><ext>`). */
export const ITEM_FOLDERS: Record<ItemType, string> = {
  directive: "directives",
  tool: "tools",
  knowledge: "knowledge",
};

/** The file extensions each item type is stored with; the first is used when creating. */
export const ITEM_EXTENSIONS: Record<ItemType, readonly string[]> = {
  directive: [".md"],
  tool: [".yaml", ".yml"],
  knowledge: [".md"],
};
