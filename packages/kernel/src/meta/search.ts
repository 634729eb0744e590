import { KiwiError } from "@kiwi/spec";
import type { ItemType } from "../items/item-type";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import { type EntryStatus, entryProblem, entryStatus, type LibraryEntry } from "../library/library";
import { authorizeMetaTool } from "./caller";
import { parseInput } from "./input-error";
import { type SearchInput, searchInput } from "./inputs";
import { checkProjectPath, sourceFilter } from "./source-filter";

export interface SearchHit {
  id: string;
  item_type: string;
  category: string;
  space: string;
  path: string;
  title: string;
  description: string;
  version: string;
  score: number;
  /** ok, invalid (does not parse/validate), unverified (unsigned/modified/untrusted), unavailable (broken chain). */
  status: EntryStatus;
  problem?: string;
  /** Set when a higher-precedence space has an item with the same id. */
  shadowed_by?: string;
}

interface Ranked {
  entry: LibraryEntry;
  score: number;
}

function before(a: Ranked, b: Ranked): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.entry.rank !== b.entry.rank) return a.entry.rank < b.entry.rank;
  if (a.entry.id !== b.entry.id) return a.entry.id < b.entry.id;
  return a.entry.category < b.entry.category;
}

/** The best `k` scored entries in order, without sorting every match (k is at most 100). */
function topK(scores: Map<string, number>, get: (key: string) => LibraryEntry, k: number): Ranked[] {
  const top: Ranked[] = [];
  for (const [key, score] of scores) {
    const last = top[top.length - 1];
    if (top.length >= k && last && last.score > score) continue;
    const item = { entry: get(key), score };
    if (top.length >= k && last && !before(item, last)) continue;
    let i = top.length;
    while (i > 0 && before(item, top[i - 1]!)) i--;
    top.splice(i, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * Asks the tool-layer guard once per category among the matches (a thread may be barred from some
 * knowledge or directive categories) and removes matches in refused categories.
 */
async function dropRefusedCategories(
  ctx: KernelContext,
  itemType: ItemType,
  scores: Map<string, number>,
  options: CallOptions,
) {
  const verdicts = new Map<string, boolean>();
  for (const key of scores.keys()) {
    const category = ctx.library.get(key)!.category;
    if (verdicts.has(category)) continue;
    try {
      await ctx.authorizer!({
        kind: "item.read",
        action: "search",
        itemType,
        itemId: "*",
        category,
        meta: options.meta ?? {},
      });
      verdicts.set(category, true);
    } catch (error) {
      if (!KiwiError.isInstance(error)) throw error;
      verdicts.set(category, false);
    }
  }
  for (const key of [...scores.keys()]) if (!verdicts.get(ctx.library.get(key)!.category)) scores.delete(key);
}

/** Keyword search over one item type. Ordering is stable: score, then space precedence, then id. */
export async function search(ctx: KernelContext, raw: SearchInput, options: CallOptions = {}) {
  const input = parseInput(searchInput, raw, "search");
  checkProjectPath(ctx, input.project_path);
  await authorizeMetaTool(ctx, "search", options);
  await ctx.library.ensureFresh();
  const admit = sourceFilter(input.source);
  const lib = ctx.library;
  const scores = lib.searchIndex.query(input.query, (key) => {
    const e = lib.get(key);
    return e !== undefined && e.itemType === input.item_type && admit(e.space);
  });
  if (ctx.authorizer) await dropRefusedCategories(ctx, input.item_type, scores, options);
  const ranked = topK(scores, (key) => lib.get(key)!, input.limit);
  const results: SearchHit[] = ranked.map(({ entry, score }) => {
    const hit: SearchHit = {
      id: entry.id,
      item_type: entry.itemType,
      category: entry.category,
      space: entry.space.name,
      path: entry.label,
      title: entry.title,
      description: entry.description,
      version: entry.version,
      score: Math.round(score * 1000) / 1000,
      status: entryStatus(entry),
    };
    const problem = entryProblem(entry);
    if (problem) hit.problem = problem.message;
    const top = lib.withId(input.item_type, entry.id).find((e) => admit(e.space));
    if (top && top.rank < entry.rank) hit.shadowed_by = top.space.name;
    return hit;
  });
  return {
    success: true as const,
    item_type: input.item_type,
    query: input.query,
    source: input.source,
    total: scores.size,
    results,
  };
}
