import { type Dirent, lstatSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";
import { readRegularFileSync } from "@kiwi/sandbox";
import { KiwiError } from "@kiwi/spec";
import { isSafeSegment } from "../items/item-ref";
import { ITEM_EXTENSIONS, ITEM_FOLDERS, type ItemType } from "../items/item-type";
import type { ItemFile, ItemSource, RegistrySource, SpaceKind } from "./item-source";

const MAX_CATEGORY_DEPTH = 8;

/**
 * Lists item files with synchronous directory reads: a walk of ten thousand files costs tens of
 * milliseconds this way, several times less than the same walk through the thread pool.
 */
function walk(base: string, folder: string, itemType: ItemType, out: ItemFile[], cats: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(base, folder, ...cats), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw error;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Symlinks are skipped: an item must physically live in its space.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (isSafeSegment(entry.name) && cats.length < MAX_CATEGORY_DEPTH)
        walk(base, folder, itemType, out, [...cats, entry.name]);
      continue;
    }
    if (!entry.isFile()) continue;
    const ext = ITEM_EXTENSIONS[itemType].find((e) => entry.name.endsWith(e));
    if (!ext) continue;
    const id = entry.name.slice(0, -ext.length);
    if (!isSafeSegment(id)) continue;
    const relPath = [folder, ...cats, entry.name].join("/");
    const location = join(base, relPath);
    let info: Stats;
    try {
      info = lstatSync(location);
    } catch {
      continue; // removed between readdir and lstat
    }
    out.push({
      itemType,
      id,
      category: cats.join("/"),
      relPath,
      location,
      stamp: identityOf(info),
    });
  }
}

function assertSafeRelPath(relPath: string): string[] {
  const parts = relPath.split("/");
  if (parts.length < 2 || !parts.every(isSafeSegment)) {
    throw new KiwiError({
      code: "INVALID_ITEM_ID",
      message: `refusing to read '${relPath}': not a path inside a space`,
      context: { path: relPath },
    });
  }
  return parts;
}

/**
 * Reads a file without following a symlink at its final component and without reading past a cap.
 * Synchronous on purpose: item files are small and capped, and four thread-pool round trips per file
 * (open, stat, read, close) cost more than the read itself on every execute.
 */
export async function readCapped(file: string, maxBytes: number, label: string): Promise<Uint8Array> {
  return readCappedSync(file, maxBytes, label).bytes;
}

/** What a refusal of the shared reader means for an item file, in the codes item readers already use. */
function itemReadError(error: unknown, label: string, maxBytes: number): unknown {
  if (!KiwiError.isInstance(error)) return error;
  const reason = error.context.reason;
  if (error.code === "FILE_TOO_LARGE") {
    return new KiwiError({
      code: "PARSE_TOO_LARGE",
      message: `${label} is above the ${maxBytes}-byte limit for items: split it into smaller items`,
      context: { file: label, limit: maxBytes },
    });
  }
  if (error.code === "PATH_OUTSIDE_PROJECT" && reason === "symlink_escape") {
    return new KiwiError({
      code: "INVALID_ITEM_ID",
      message: `${label} is a symlink: items are never read through links`,
      context: { file: label },
    });
  }
  if (error.code === "PATH_INVALID" && reason === "is_directory") {
    return new KiwiError({
      code: "INVALID_ITEM_ID",
      message: `${label} is not a regular file`,
      context: { file: label },
    });
  }
  return error;
}

/**
 * readCapped, synchronously, also returning the identity of the file that was read (its fstat). The
 * shared reader of @kiwi/sandbox checks the type before opening and opens without blocking: a FIFO in
 * place of an item is PATH_SPECIAL_FILE at once, a missing file PATH_NOT_FOUND.
 */
function readCappedSync(file: string, maxBytes: number, label: string): { bytes: Uint8Array; info: Stats } {
  try {
    const { bytes, stats } = readRegularFileSync(file, { maxBytes, label });
    return { bytes, info: stats };
  } catch (error) {
    throw itemReadError(error, label, maxBytes);
  }
}

/**
 * readCapped, also returning the identity of the file that was read (its fstat, taken before the read,
 * so a write during or after the read shows as another identity), or undefined when the bytes read are
 * not the whole file the identity describes. For code whose verification is remembered by identity.
 */
export function readCappedIdentified(
  file: string,
  maxBytes: number,
  label: string,
): { bytes: Uint8Array; identity: string | undefined } {
  const { bytes, info } = readCappedSync(file, maxBytes, label);
  return { bytes, identity: bytes.length === info.size ? identityOf(info) : undefined };
}

/** True when a read failed because nothing is at the path (the file vanished or never existed). */
export function isMissingFile(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "PATH_NOT_FOUND" || code === "ENOENT";
}

/**
 * A file's identity: device, inode, size, mtime and ctime. An unprivileged process cannot set the ctime,
 * and every write, rename or `utimes` changes it, so an unchanged identity means unchanged bytes.
 * Millisecond floats keep sub-microsecond precision here and avoid BigInt conversions.
 */
function identityOf(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** The identity of the regular file at `file` (never following a link), or undefined. */
export function currentIdentity(file: string): string | undefined {
  const st = lstatSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? identityOf(st) : undefined;
}

/**
 * Remembers file bytes by identity: device, inode, size, mtime and ctime. The ctime
 * cannot be set by an unprivileged process and changes on every write, so an unchanged identity means
 * unchanged bytes; a single lstat then replaces open/fstat/read/close. Bytes served from here are still
 * verified by the caller like any other read.
 */
class ReadCache {
  readonly #entries = new Map<string, { identity: string; bytes: Uint8Array }>();

  constructor(
    readonly maxEntries = 4096,
    readonly maxFileBytes = 64 * 1024,
  ) {}

  read(file: string, maxBytes: number, label: string): Promise<Uint8Array> {
    const hit = this.#entries.get(file);
    // Known file: one lstat tells whether the bytes held are still its bytes.
    if (hit && hit.identity === currentIdentity(file)) return Promise.resolve(hit.bytes);
    try {
      // Unknown or changed: read it, and remember the bytes under the identity of what was read (fstat
      // of the open file), so a change after the read shows as a different identity next time.
      const { bytes, info } = readCappedSync(file, maxBytes, label);
      if (bytes.length === info.size && info.size <= this.maxFileBytes) {
        if (!hit && this.#entries.size >= this.maxEntries)
          this.#entries.delete(this.#entries.keys().next().value!);
        this.#entries.set(file, { identity: identityOf(info), bytes });
      } else if (hit) {
        this.#entries.delete(file);
      }
      return Promise.resolve(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The identity under which `bytes` were read from `file`, if the file still has it: the bytes object
   * must be the one this cache holds for that identity. Undefined when that cannot be vouched for.
   */
  identityOfRead(file: string, bytes: Uint8Array): string | undefined {
    const hit = this.#entries.get(file);
    if (hit?.bytes !== bytes) return undefined;
    return currentIdentity(file) === hit.identity ? hit.identity : undefined;
  }
}

/**
 * File identities of the local spaces this module made, for callers that reuse work done on a file's
 * bytes while its identity is unchanged (the prepared tool chains of `execute`). Internal: keyed by the
 * space objects, so the public ItemSource interface stays as it is.
 */
export interface FileIdentities {
  /** A check that the file at `location` still has `identity`: one lstat per call, no allocation of strings. */
  unchanged(location: string, identity: string): () => boolean;
  /** The identity `bytes` were read under, when the file still has it and they are the bytes read. */
  ofRead(location: string, bytes: Uint8Array): string | undefined;
}

function unchangedCheck(location: string, identity: string): () => boolean {
  const [dev, ino, size, mtimeMs, ctimeMs] = identity.split(":").map(Number);
  return () => {
    const st = lstatSync(location, { throwIfNoEntry: false });
    return (
      st !== undefined &&
      st.ctimeMs === ctimeMs &&
      st.mtimeMs === mtimeMs &&
      st.ino === ino &&
      st.size === size &&
      st.dev === dev &&
      st.isFile()
    );
  };
}

const identities = new WeakMap<ItemSource, FileIdentities>();

export function fileIdentities(space: ItemSource): FileIdentities | undefined {
  return identities.get(space);
}

/** A space backed by a local `.ai` folder. */
export function createDirectorySpace(options: {
  name: string;
  kind: SpaceKind;
  root: string;
  writable: boolean;
  trustHint?: string;
}): ItemSource {
  const { name, kind, root, writable, trustHint } = options;
  const cache = new ReadCache();
  const space: ItemSource = {
    name,
    kind,
    root,
    writable,
    ...(trustHint ? { trustHint } : {}),
    async list(itemType) {
      const out: ItemFile[] = [];
      walk(root, ITEM_FOLDERS[itemType], itemType, out, []);
      return out;
    },
    async read(relPath, maxBytes) {
      const parts = assertSafeRelPath(relPath);
      return cache.read(join(root, ...parts), maxBytes, `${name}:${relPath}`);
    },
  };
  identities.set(space, {
    unchanged: unchangedCheck,
    ofRead: (location, bytes) => cache.identityOfRead(location, bytes),
  });
  return space;
}

/** A read-only registry kept in a local folder with the `.ai` layout (directives/, tools/, knowledge/). */
export function createDirectoryRegistry(options: { name: string; root: string }): RegistrySource {
  const space = createDirectorySpace({
    name: `registry:${options.name}`,
    kind: "registry",
    root: options.root,
    writable: false,
  });
  const registry: RegistrySource = { ...space, kind: "registry", writable: false };
  const ids = identities.get(space);
  if (ids) identities.set(registry, ids);
  return registry;
}
