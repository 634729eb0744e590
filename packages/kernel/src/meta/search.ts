import type { KernelContext } from "../kernel-context";
import type { LibraryEntry } from "../library/library";
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
  /** ok, or invalid (does not parse/validate), or unavailable (a tool whose chain is broken). */
  status: "ok" | "invalid" | "unavailable";
  problem?: string;
  /** Set when a higher-precedence space has an item with the same id. */
  shadowed_by?: string;
}

function statusOf(entry: LibraryEntry): SearchHit["status"] {
  if (!entry.problem) return "ok";
  return entry.record ? "unavailable" : "invalid";
}

/** Keyword search over one item type. Ordering is stable: score, then space precedence, then id. */
export async function search(ctx: KernelContext, raw: SearchInput) {
  const input = parseInput(searchInput, raw, "search");
  checkProjectPath(ctx, input.project_path);
  await ctx.library.ensureFresh();
  const admit = sourceFilter(input.source);
  const candidates = new Map<string, LibraryEntry>();
  for (const entry of ctx.library.entries(input.item_type))
    if (admit(entry.space)) candidates.set(entry.key, entry);
  const scores = ctx.library.searchIndex.query(input.query, (key) => candidates.has(key));
  const winner = new Map<string, LibraryEntry>();
  for (const entry of candidates.values()) {
    const prev = winner.get(entry.id);
    if (!prev || entry.rank < prev.rank) winner.set(entry.id, entry);
  }
  const ranked = [...scores]
    .map(([key, score]) => ({ entry: candidates.get(key)!, score }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        a.entry.rank - b.entry.rank ||
        (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0) ||
        (a.entry.category < b.entry.category ? -1 : a.entry.category > b.entry.category ? 1 : 0),
    );
  const results: SearchHit[] = ranked.slice(0, input.limit).map(({ entry, score }) => {
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
      status: statusOf(entry),
    };
    if (entry.problem) hit.problem = entry.problem.message;
    const top = winner.get(entry.id);
    if (top && top !== entry) hit.shadowed_by = top.space.name;
    return hit;
  });
  return {
    success: true as const,
    item_type: input.item_type,
    query: input.query,
    source: input.source,
    total: ranked.length,
    results,
  };
}
