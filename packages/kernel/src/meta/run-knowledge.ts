import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import { itemView } from "./item-view";
import { readVerified } from "./resolve-item";

/** `execute(knowledge, run, X)`: the verified entry's content and front matter. */
export async function runKnowledge(ctx: KernelContext, itemId: string, options: CallOptions) {
  const item = await readVerified(ctx, "knowledge", itemId);
  await ctx.authorizer?.({
    kind: "item.read",
    action: "run",
    itemType: "knowledge",
    itemId: item.id,
    category: item.category,
    meta: options.meta ?? {},
  });
  if (item.parsed.itemType !== "knowledge") throw new Error("unreachable");
  const { frontMatter, body } = item.parsed.data;
  return {
    success: true as const,
    status: "ready",
    ...itemView(item),
    title: frontMatter.title,
    entry_type: frontMatter.entry_type,
    tags: frontMatter.tags ?? [],
    version: frontMatter.version,
    references: frontMatter.references ?? [],
    content: body,
  };
}
