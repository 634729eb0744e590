import { KiwiError } from "@kiwi/spec";

/** A validated reference to an item: its id and, when the caller gave one, its category path. */
export interface ItemRef {
  readonly id: string;
  /** Slash-separated category ("core", "core/api") or undefined when the caller gave a bare id. */
  readonly category?: string;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAX_ID = 128;

function invalid(raw: string, why: string): KiwiError {
  return new KiwiError({
    code: "INVALID_ITEM_ID",
    message: `invalid item id '${raw.slice(0, 80)}': ${why}. Use a bare name like 'deploy_staging' or 'category/name'`,
    context: { item_id: raw.slice(0, 200) },
  });
}

/** True for a single safe path segment: no dots-only names, separators, NUL or leading dot. */
export function isSafeSegment(segment: string): boolean {
  return SEGMENT.test(segment) && !/^\.+$/.test(segment) && segment.length <= MAX_ID;
}

/**
 * Parses `name` or `category/sub/name`. Refuses anything that could address a file outside the item
 * folders: `..`, absolute paths, backslashes, NUL, empty segments, leading dots, percent-encoding.
 */
export function parseItemRef(raw: string): ItemRef {
  if (raw.length === 0) throw invalid(raw, "it is empty");
  if (raw.length > 200) throw invalid(raw, "it is longer than 200 characters");
  if (raw.includes("\0")) throw invalid(raw, "it contains a NUL byte");
  if (raw.includes("\\")) throw invalid(raw, "backslashes are not allowed");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) throw invalid(raw, "absolute paths are not allowed");
  if (raw.includes("%")) throw invalid(raw, "percent-encoding is not allowed");
  const segments = raw.split("/");
  for (const segment of segments) {
    if (segment === "..") throw invalid(raw, "'..' is not allowed");
    if (!isSafeSegment(segment)) throw invalid(raw, `segment '${segment.slice(0, 40)}' is not a safe name`);
  }
  const id = segments.pop()!;
  return segments.length ? { id, category: segments.join("/") } : { id };
}

/** Validates a category given separately (for create): same rules as the category part of an id. */
export function parseCategory(raw: string): string {
  if (raw === "") return "";
  return parseItemRef(`${raw}/x`).category ?? "";
}
