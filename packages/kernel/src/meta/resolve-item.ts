import { KiwiError } from "@kiwi/spec";
import { parseItemRef } from "../items/item-ref";
import type { ItemType } from "../items/item-type";
import type { KernelContext } from "../kernel-context";
import type { VerifiedItem } from "../library/item-reader";
import type { LibraryEntry, SourceFilter } from "../library/library";
import { isMissingFile } from "../spaces/directory-space";

function notFound(ctx: KernelContext, itemType: ItemType, itemId: string): KiwiError {
  const similar = ctx.library
    .entries(itemType)
    .filter((e) => e.id.includes(itemId) || itemId.includes(e.id))
    .slice(0, 5)
    .map((e) => (e.category ? `${e.category}/${e.id}` : e.id));
  return new KiwiError({
    code: "ITEM_NOT_FOUND",
    message: `no ${itemType} '${itemId}' in the searched spaces: ${similar.length ? `did you mean ${similar.join(", ")}?` : `search(item_type="${itemType}", query=…) lists what exists`}`,
    context: { item_type: itemType, item_id: itemId, similar },
  });
}

/** Finds an item's library entry or fails with ITEM_NOT_FOUND (with near matches). */
export async function findEntry(
  ctx: KernelContext,
  itemType: ItemType,
  itemId: string,
  filter?: SourceFilter,
): Promise<LibraryEntry> {
  const ref = parseItemRef(itemId);
  const entry = await ctx.library.lookup(itemType, ref, filter);
  if (!entry) throw notFound(ctx, itemType, itemId);
  return entry;
}

/**
 * Reads an item fresh from disk and verifies its signature. A file that vanished since the index was
 * built is looked up again once.
 */
export async function readVerified(
  ctx: KernelContext,
  itemType: ItemType,
  itemId: string,
  filter?: SourceFilter,
): Promise<VerifiedItem> {
  for (let attempt = 0; ; attempt++) {
    const entry = await findEntry(ctx, itemType, itemId, filter);
    try {
      return await ctx.reader.readVerified(entry.space, entry.file);
    } catch (error) {
      if (isMissingFile(error) && attempt === 0) {
        ctx.library.invalidate();
        continue;
      }
      throw error;
    }
  }
}
