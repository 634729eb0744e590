/** What every item parser needs besides the text. */
export interface ParseItemOptions {
  /** The item file, named in every error. */
  file: string;
  /** The id the file name gives (`name` for `<name>.md`); the item must declare the same. */
  itemId: string;
  /** The category the folder gives ("" at the root); a declared category must match it. */
  category: string;
  maxDepth: number;
}
