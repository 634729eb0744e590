import { KiwiError, type KiwiErrorObject } from "@kiwi/spec";
import { declaredField } from "../integrity/declared-field";
import type { ItemRef } from "../items/item-ref";
import { ITEM_TYPES, type ItemType } from "../items/item-type";
import type { ItemFile, ItemSource } from "../spaces/item-source";
import type { ItemReader, ItemRecord } from "./item-reader";
import { summarise } from "./parse-item";
import { SearchIndex } from "./search-index";

/**
 * One item in the library index. Only a verified item is parsed and described (title, description,
 * searchable content); an unverified one (unsigned, modified, untrusted) is known by its path, id and
 * status alone, so none of its text reaches a listing, a search result or the model. Use re-reads and
 * re-verifies the bytes.
 */
export interface LibraryEntry {
  readonly key: string;
  readonly itemType: ItemType;
  readonly id: string;
  readonly category: string;
  readonly space: ItemSource;
  /** Position of the space in precedence order (0 = project). */
  readonly rank: number;
  readonly file: ItemFile;
  readonly label: string;
  readonly title: string;
  readonly description: string;
  readonly version: string;
  /** The verified, parsed item; undefined when it is unverified, unreadable or does not parse. */
  readonly record?: ItemRecord;
  /** Why the item cannot be used as stored: integrity, read, parse or validation errors. */
  readonly problem?: KiwiErrorObject;
  /**
   * For an unverified tool file: the `tool_type` it claims, read from one line without the parser and
   * never trusted, so diagnostics can say which kind of definition is unusable (see `entryToolType`).
   */
  readonly claimedToolType?: string;
  /** For tools: why the chain does not resolve. Recomputed on every refresh. */
  chainProblem?: KiwiErrorObject;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type EntryStatus = "ok" | "invalid" | "unverified" | "unavailable";

/** ok; invalid (does not parse/validate); unverified (unsigned, modified, untrusted); unavailable (broken chain). */
export function entryStatus(entry: LibraryEntry): EntryStatus {
  if (entry.problem?.code === "INTEGRITY_MISMATCH") return "unverified";
  if (!entry.record) return "invalid";
  return entry.chainProblem ? "unavailable" : "ok";
}

/**
 * A tool entry's `tool_type`: the parsed one when the item is verified, else the one an unverified file
 * claims (for diagnostics only: nothing unverified is ever used).
 */
export function entryToolType(entry: LibraryEntry): string | undefined {
  const parsed = entry.record?.parsed;
  return parsed?.itemType === "tool" ? parsed.data.tool_type : entry.claimedToolType;
}

/** The first reason an entry cannot be used, if any. */
export function entryProblem(entry: LibraryEntry): KiwiErrorObject | undefined {
  return entry.problem ?? entry.chainProblem;
}

export type SourceFilter = (space: ItemSource) => boolean;

function searchableContent(record: ItemRecord): string {
  const p = record.parsed;
  switch (p.itemType) {
    case "directive":
      return [
        ...p.data.process.map((s) => `${s.name} ${s.description} ${s.action}`),
        ...p.data.inputs.map((i) => `${i.name} ${i.description}`),
      ].join(" ");
    case "tool":
      return [
        p.data.tool_type,
        ...(p.data.parameters ?? []).map((x) => `${x.name} ${x.description ?? ""}`),
      ].join(" ");
    case "knowledge":
      return `${p.data.frontMatter.tags?.join(" ") ?? ""} ${p.data.frontMatter.entry_type} ${p.data.body}`;
  }
}

/**
 * The index of every item in every space, rebuilt incrementally: files whose stamp (mtime, size) did not
 * change are not re-read. The index serves search, listings and diagnostics; anything that uses an item
 * re-reads and verifies its bytes.
 */
export class Library {
  readonly #sources: readonly ItemSource[];
  readonly #reader: ItemReader;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #entries = new Map<string, LibraryEntry>();
  /** `${itemType}:${id}` → entries in precedence order; rebuilt on every refresh. */
  #byId = new Map<string, LibraryEntry[]>();
  #sorted = new Map<ItemType | "all", LibraryEntry[]>();
  #stamps = new Map<string, string>();
  #index = new SearchIndex();
  #refreshedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;
  #built = false;
  #generation = 0;
  readonly #afterRefresh: (() => Promise<void>) | undefined;
  /** Hook run after each refresh (the kernel checks tool chains here). */
  onRefresh: ((library: Library) => void) | undefined;

  constructor(options: {
    sources: readonly ItemSource[];
    reader: ItemReader;
    ttlMs: number;
    now: () => number;
    /** Run at the end of every refresh (the kernel saves its verification cache here); must not throw. */
    afterRefresh?: () => Promise<void>;
  }) {
    this.#sources = options.sources;
    this.#reader = options.reader;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
    this.#afterRefresh = options.afterRefresh;
  }

  /**
   * Changes whenever a refresh found an item added, removed or changed: what a lookup returns can only
   * differ between two calls when the generation differs.
   */
  get generation(): number {
    return this.#generation;
  }

  get sources(): readonly ItemSource[] {
    return this.#sources;
  }

  get searchIndex(): SearchIndex {
    return this.#index;
  }

  /** Marks the index stale; the next read refreshes it. */
  invalidate(): void {
    this.#refreshedAt = Number.NEGATIVE_INFINITY;
  }

  /** True while the index is younger than its TTL (no refresh due). */
  isFresh(): boolean {
    return this.#now() - this.#refreshedAt < this.#ttlMs;
  }

  /** Refreshes when the index is older than its TTL (or always with `force`). */
  async ensureFresh(force = false): Promise<void> {
    if (!force && this.isFresh()) return;
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const startedAt = this.#now();
    const next = new Map<string, LibraryEntry>();
    const nextStamps = new Map<string, string>();
    for (const [rank, space] of this.#sources.entries()) {
      for (const itemType of ITEM_TYPES) {
        const files = await space.list(itemType);
        const toBuild: ItemFile[] = [];
        for (const file of files) {
          const key = `${space.name}|${file.relPath}`;
          nextStamps.set(key, file.stamp);
          const old = this.#entries.get(key);
          if (old && this.#stamps.get(key) === file.stamp) next.set(key, old);
          else toBuild.push(file);
        }
        // Changed files in slices: reads of a remote source overlap, while a big local library does not
        // keep thousands of half-built entries waiting at once.
        for (let i = 0; i < toBuild.length; i += 64) {
          await Promise.all(
            toBuild.slice(i, i + 64).map(async (file) => {
              const key = `${space.name}|${file.relPath}`;
              next.set(key, await this.#build(key, rank, space, file));
            }),
          );
        }
      }
    }
    let changed = false;
    let toolsChanged = !this.#built;
    for (const key of this.#entries.keys()) {
      if (next.has(key)) continue;
      this.#index.remove(key);
      changed = true;
      if (this.#entries.get(key)?.itemType === "tool") toolsChanged = true;
    }
    for (const [key, entry] of next) {
      if (this.#entries.get(key) === entry) continue;
      changed = true;
      if (entry.itemType === "tool") toolsChanged = true;
      this.#index.upsert({
        key,
        fields: {
          name: `${entry.id} ${entry.title}`,
          description: entry.description,
          category: entry.category,
          content: entry.record ? searchableContent(entry.record) : "",
        },
      });
    }
    this.#entries = next;
    this.#stamps = nextStamps;
    if (changed) this.#generation++;
    if (changed || !this.#built) this.#reindex();
    // Cross-item checks (tool chains, capability policy) run whenever anything came, went or changed.
    if (changed || toolsChanged) this.onRefresh?.(this);
    this.#refreshedAt = startedAt;
    this.#built = true;
    await this.#afterRefresh?.();
  }

  /** Rebuilds the sorted listings and the id index after the set of entries changed. */
  #reindex(): void {
    const all = [...this.#entries.values()].sort(
      (a, b) =>
        a.rank - b.rank || cmp(a.itemType, b.itemType) || cmp(a.id, b.id) || cmp(a.category, b.category),
    );
    const sorted = new Map<ItemType | "all", LibraryEntry[]>([["all", all]]);
    for (const t of ITEM_TYPES)
      sorted.set(
        t,
        all.filter((e) => e.itemType === t),
      );
    this.#sorted = sorted;
    const byId = new Map<string, LibraryEntry[]>();
    for (const entry of all) {
      const key = `${entry.itemType}:${entry.id}`;
      const list = byId.get(key);
      if (list) list.push(entry);
      else byId.set(key, [entry]);
    }
    this.#byId = byId;
  }

  async #build(key: string, rank: number, space: ItemSource, file: ItemFile): Promise<LibraryEntry> {
    const base = {
      key,
      itemType: file.itemType,
      id: file.id,
      category: file.category,
      space,
      rank,
      file,
      label: `${space.name}:${file.relPath}`,
    };
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#reader.readBytes(space, file);
      // Verified before it is parsed: an unverified item's text is never parsed, indexed or shown.
      const record = await this.#reader.verifyBytes(space, file, bytes);
      return { ...base, ...summarise(record.parsed), record };
    } catch (error) {
      const problem = KiwiError.isInstance(error)
        ? error.toJSON()
        : { code: "INTERNAL_ERROR", message: String(error), retryable: false };
      const claimed =
        bytes && file.itemType === "tool" && problem.code === "INTEGRITY_MISMATCH"
          ? declaredField(bytes, "tool_type")
          : undefined;
      return {
        ...base,
        title: file.id,
        description: "",
        version: "",
        problem,
        ...(claimed ? { claimedToolType: claimed } : {}),
      };
    }
  }

  /** Entries in precedence order (space, type, id, category). The array is shared: do not mutate it. */
  entries(itemType?: ItemType): readonly LibraryEntry[] {
    return this.#sorted.get(itemType ?? "all") ?? [];
  }

  /** Every entry with this id, in precedence order. */
  withId(itemType: ItemType, id: string): readonly LibraryEntry[] {
    return this.#byId.get(`${itemType}:${id}`) ?? [];
  }

  get(key: string): LibraryEntry | undefined {
    return this.#entries.get(key);
  }

  /**
   * The entry an id refers to: the highest-precedence space holding it. Two matches in different
   * categories of the same space are ambiguous: the caller must say `category/id`.
   */
  find(itemType: ItemType, ref: ItemRef, filter?: SourceFilter): LibraryEntry | undefined {
    const matches = this.withId(itemType, ref.id).filter(
      (e) => (ref.category === undefined || e.category === ref.category) && (!filter || filter(e.space)),
    );
    const first = matches[0];
    if (!first) return undefined;
    const sameSpace = matches.filter((m) => m.rank === first.rank);
    if (sameSpace.length > 1) {
      throw new KiwiError({
        code: "INVALID_ITEM_ID",
        message: `'${ref.id}' names ${sameSpace.length} ${itemType}s in ${first.space.name} (${sameSpace.map((m) => m.category || "(top)").join(", ")}): say which with category/${ref.id}`,
        context: { item_id: ref.id, candidates: sameSpace.map((m) => `${m.category}/${m.id}`) },
      });
    }
    return first;
  }

  /**
   * Finds an entry for use. The index is refreshed first when it is older than its TTL, so an item
   * added to a higher-precedence space (a project override of a core item) wins within one TTL; a miss
   * refreshes at once, since the file may be new. The kernel's own writes invalidate the index.
   */
  async lookup(itemType: ItemType, ref: ItemRef, filter?: SourceFilter): Promise<LibraryEntry | undefined> {
    await this.ensureFresh();
    const hit = this.find(itemType, ref, filter);
    if (hit) return hit;
    await this.ensureFresh(true);
    return this.find(itemType, ref, filter);
  }
}
