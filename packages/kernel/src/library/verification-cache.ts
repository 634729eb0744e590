import { createHmac, type KeyObject, timingSafeEqual } from "node:crypto";
import type { VerificationFact } from "../integrity/item-integrity";
import type { ItemType } from "../items/item-type";
import type { Limits } from "../limits";
import type { ParsedItem } from "./parse-item";

/**
 * What one successful load proved about one file: at this location, with this identity (device, inode,
 * size, mtime, ctime) and these exact bytes (SHA-256), the item parsed to `parsed`, and its signature
 * was checked over this signed message under this public key (`fact`). Trust is not recorded: whether
 * the signer is still trusted is decided by the live keyring on every use.
 */
export interface VerificationCacheEntry {
  readonly location: string;
  readonly identity: string;
  /** `<space>:<relPath>`: parse results name the file they came from. */
  readonly label: string;
  readonly itemType: ItemType;
  readonly id: string;
  readonly category: string;
  readonly contentHash: string;
  /**
   * The parse result as JSON, decoded only when the entry is used: text for an entry recorded by this
   * process, a byte range of the loaded cache file (kept off the JS heap) for one read from it.
   */
  readonly parsed: string | ByteRange;
  readonly fact: VerificationFact;
  /** When it was recorded (ms since the epoch): the oldest entries go first when the cache is full. */
  readonly savedAt: number;
}

/** A slice of a buffer: `blob[start, end)`. */
export interface ByteRange {
  readonly blob: Buffer;
  readonly start: number;
  readonly end: number;
}

/** The JSON text of an entry's parse result. */
export function parsedText(parsed: string | ByteRange): string {
  return typeof parsed === "string" ? parsed : parsed.blob.toString("utf8", parsed.start, parsed.end);
}

/** The key of a lookup: everything an entry must match. */
export interface VerificationCacheQuery {
  readonly location: string;
  readonly identity: string;
  readonly label: string;
  readonly itemType: ItemType;
  readonly id: string;
  readonly category: string;
  readonly contentHash: string;
}

const MAGIC = Buffer.from("KIWIVC\u0000\u0001", "latin1");
const MAC_BYTES = 32;
/** More entries than this and the oldest are dropped when saving. */
export const MAX_CACHE_ENTRIES = 100_000;

/**
 * What a cache file must have been written under to be used: this format, this kernel version and the
 * parser limits (a parse result depends on all three).
 */
export function verificationCacheTag(options: { kernelVersion: string; limits: Limits }): string {
  const { kernelVersion, limits } = options;
  return `kiwi-verified-items/1 kernel=${kernelVersion} maxItemBytes=${limits.maxItemBytes} maxDepth=${limits.maxDepth}`;
}

/**
 * The key that authenticates the cache file, derived from the user's private signing key: whoever can
 * write the cache but cannot read the key cannot make an entry the kernel accepts.
 */
export function verificationCacheKey(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  return createHmac("sha256", der).update("kiwi verification cache v1").digest();
}

function mac(key: Uint8Array, tag: string, payload: Uint8Array): Buffer {
  return createHmac("sha256", key).update(MAGIC).update(tag).update("\n").update(payload).digest();
}

type StoredEntry = Omit<VerificationCacheEntry, "parsed"> & { readonly at: [number, number] };

function isStoredEntry(value: unknown, blobLength: number): value is StoredEntry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  const fact = e.fact as Record<string, unknown> | undefined;
  const at = e.at as unknown[] | undefined;
  return (
    typeof e.location === "string" &&
    typeof e.identity === "string" &&
    typeof e.label === "string" &&
    typeof e.itemType === "string" &&
    typeof e.id === "string" &&
    typeof e.category === "string" &&
    typeof e.contentHash === "string" &&
    typeof e.savedAt === "number" &&
    Array.isArray(at) &&
    Number.isSafeInteger(at[0]) &&
    Number.isSafeInteger(at[1]) &&
    (at[0] as number) >= 0 &&
    (at[0] as number) <= (at[1] as number) &&
    (at[1] as number) <= blobLength &&
    typeof fact?.message === "string" &&
    typeof fact.publicKey === "string"
  );
}

/**
 * True when JSON holds `value` exactly (JSON.parse gives a deep-equal copy): plain objects and arrays
 * of strings, booleans, null and finite numbers other than -0, with no undefined member. Parse results
 * that hold anything else are not cached.
 */
export function isJsonExact(value: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJsonExact(value[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key) || !isJsonExact((value as Record<string, unknown>)[key], depth + 1))
          return false;
      }
      return Object.getOwnPropertySymbols(value).length === 0;
    }
    default:
      return false;
  }
}

/**
 * Decodes a sealed cache file. Anything that is not exactly what `sealVerificationCache` wrote with the
 * same key and tag (another format, another kernel version or limits, a foreign or forged file, garbage)
 * yields undefined: the caller then verifies everything in full. Nothing is deserialised before the MAC
 * checks out.
 */
export function openVerificationCache(
  bytes: Uint8Array,
  key: Uint8Array,
  tag: string,
): VerificationCacheEntry[] | undefined {
  if (bytes.length < MAGIC.length + MAC_BYTES) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const given = buf.subarray(MAGIC.length, MAGIC.length + MAC_BYTES);
  const payload = buf.subarray(MAGIC.length + MAC_BYTES);
  if (!timingSafeEqual(given, mac(key, tag, payload))) return undefined;
  try {
    const newline = payload.indexOf(0x0a);
    if (newline < 0) return undefined;
    const decoded = JSON.parse(payload.toString("utf8", 0, newline)) as { tag?: unknown; entries?: unknown };
    if (decoded?.tag !== tag || !Array.isArray(decoded.entries)) return undefined;
    const blob = payload.subarray(newline + 1);
    const out: VerificationCacheEntry[] = [];
    for (const stored of decoded.entries) {
      if (!isStoredEntry(stored, blob.length)) continue;
      const { at, ...entry } = stored;
      out.push({ ...entry, parsed: { blob, start: at[0], end: at[1] } });
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Encodes entries as a cache file: magic, HMAC-SHA256 over tag and payload, then the payload: one line
 * of JSON (the tag and the entries, each with the byte range of its parse result) and, after the
 * newline, the parse results' JSON back to back.
 */
export function sealVerificationCache(
  entries: readonly VerificationCacheEntry[],
  key: Uint8Array,
  tag: string,
): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const index = entries.map(({ parsed, ...entry }) => {
    const bytes =
      typeof parsed === "string"
        ? Buffer.from(parsed, "utf8")
        : parsed.blob.subarray(parsed.start, parsed.end);
    parts.push(bytes);
    const at: [number, number] = [offset, offset + bytes.length];
    offset += bytes.length;
    return { ...entry, at };
  });
  const payload = Buffer.concat([
    Buffer.from(`${JSON.stringify({ tag, entries: index })}\n`, "utf8"),
    ...parts,
  ]);
  return Buffer.concat([MAGIC, mac(key, tag, payload), payload]);
}

/**
 * The in-memory side of the verification cache: entries by file location. A lookup must match the
 * file's identity, its content hash and what the item is (type, id, category, label); a stale entry is
 * dropped on sight. `touched` records every location looked up, so entries of files that are gone can
 * be pruned when saving.
 */
export class VerificationCache {
  readonly #entries = new Map<string, VerificationCacheEntry>();
  readonly #touched = new Set<string>();
  #dirty = false;

  constructor(entries: readonly VerificationCacheEntry[] = []) {
    for (const e of entries) this.#entries.set(e.location, e);
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The parse result recorded for exactly this file and these bytes, if any. */
  parsed(query: VerificationCacheQuery): ParsedItem | undefined {
    const e = this.match(query);
    if (!e) return undefined;
    try {
      const parsed = JSON.parse(parsedText(e.parsed)) as ParsedItem;
      if (parsed?.itemType === query.itemType && typeof parsed.data === "object" && parsed.data !== null)
        return parsed;
    } catch {
      // fall through: parse the file
    }
    this.#entries.delete(query.location);
    this.#dirty = true;
    return undefined;
  }

  /** The entry for exactly this file and these bytes, if one was recorded. */
  match(query: VerificationCacheQuery): VerificationCacheEntry | undefined {
    this.#touched.add(query.location);
    const e = this.#entries.get(query.location);
    if (!e) return undefined;
    if (
      e.identity === query.identity &&
      e.contentHash === query.contentHash &&
      e.label === query.label &&
      e.itemType === query.itemType &&
      e.id === query.id &&
      e.category === query.category
    ) {
      return e;
    }
    this.#entries.delete(query.location);
    this.#dirty = true;
    return undefined;
  }

  /** Records a file that parsed and whose signature checked out. */
  remember(query: VerificationCacheQuery, parsed: ParsedItem, fact: VerificationFact, now: number): void {
    this.#touched.add(query.location);
    const old = this.#entries.get(query.location);
    if (
      old &&
      old.identity === query.identity &&
      old.contentHash === query.contentHash &&
      old.fact.message === fact.message &&
      old.fact.publicKey === fact.publicKey
    ) {
      return;
    }
    if (!isJsonExact(parsed)) return;
    this.#entries.set(query.location, { ...query, parsed: JSON.stringify(parsed), fact, savedAt: now });
    this.#dirty = true;
  }

  /**
   * The entries to write: this cache's own, minus entries inside `roots` (the folders this kernel
   * lists) that were not looked up since it started (their files are gone), plus `others` (read back
   * from the file, written by other kernels) outside those roots. The newest `MAX_CACHE_ENTRIES` win.
   */
  snapshot(
    roots: readonly string[],
    others: readonly VerificationCacheEntry[] = [],
  ): VerificationCacheEntry[] {
    const inRoots = (location: string) => roots.some((r) => location.startsWith(r));
    const out: VerificationCacheEntry[] = [];
    for (const e of this.#entries.values())
      if (this.#touched.has(e.location) || !inRoots(e.location)) out.push(e);
    for (const e of others) if (!this.#entries.has(e.location) && !inRoots(e.location)) out.push(e);
    if (out.length <= MAX_CACHE_ENTRIES) return out;
    return out.sort((a, b) => b.savedAt - a.savedAt).slice(0, MAX_CACHE_ENTRIES);
  }

  /** Marks the cache saved (until the next change). */
  saved(): void {
    this.#dirty = false;
  }
}
