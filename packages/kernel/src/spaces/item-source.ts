import type { ItemType } from "../items/item-type";

/** Where items come from, highest precedence first: project, user, core, plugins, registry. */
export type SpaceKind = "project" | "user" | "core" | "plugin" | "registry";

/** One item file found in a space. */
export interface ItemFile {
  readonly itemType: ItemType;
  readonly id: string;
  /** Slash-separated folders between the type folder and the file ("" at the top). */
  readonly category: string;
  /** Path inside the space root, with forward slashes: `tools/llm/anthropic_messages.yaml`. */
  readonly relPath: string;
  /** Absolute path for local spaces, a locator for remote ones. */
  readonly location: string;
  /** Changes whenever the file changes (mtime and size); a hint for indexes, never for security. */
  readonly stamp: string;
}

/** A source of items. Local folders, installed packages and registries all implement it. */
export interface ItemSource {
  /** "project", "user", "core", "plugin:<package>", "registry:<name>". */
  readonly name: string;
  readonly kind: SpaceKind;
  /** Absolute folder of a local space (the `.ai` folder itself). */
  readonly root?: string;
  readonly writable: boolean;
  /**
   * What an untrusted-signer message tells the person to do for an item of this space when re-signing it
   * is not the answer (a plugin package's items cannot be re-signed in place): e.g. the `kiwi trust …`
   * command for the publisher key the package ships.
   */
  readonly trustHint?: string;
  /** Every item file of a type. Symlinks are never followed. */
  list(itemType: ItemType): Promise<ItemFile[]>;
  /** The file's exact bytes; refuses files above `maxBytes` without reading them (PARSE_TOO_LARGE). */
  read(relPath: string, maxBytes: number): Promise<Uint8Array>;
}

/** A registry is a read-only item source; `load` copies from it into the project or user space. */
export interface RegistrySource extends ItemSource {
  readonly kind: "registry";
  readonly writable: false;
}
