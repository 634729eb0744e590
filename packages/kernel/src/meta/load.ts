import { KiwiError } from "@kiwi/spec";
import { writeItemFileAtomic } from "../files/write-item-file";
import { isPathModule, resolvePathModule } from "../integrity/tool-attachments";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import { summarise } from "../library/parse-item";
import { readCapped } from "../spaces/directory-space";
import { actsAsPerson, authorizeMetaTool } from "./caller";
import { parseInput } from "./input-error";
import { type LoadInput, loadInput } from "./inputs";
import { bodyText, itemView } from "./item-view";
import { readVerified } from "./resolve-item";
import { checkProjectPath, sourceFilter } from "./source-filter";

/**
 * Reads a verified item, or copies it between spaces (registry → project, user → project, …). Copies
 * keep the exact bytes, so the signature stays valid; an existing different file is never overwritten.
 */
export async function load(ctx: KernelContext, raw: LoadInput, options: CallOptions = {}) {
  const input = parseInput(loadInput, raw, "load");
  checkProjectPath(ctx, input.project_path);
  await authorizeMetaTool(ctx, "load", options);
  const meta = options.meta ?? {};
  const item = await readVerified(ctx, input.item_type, input.item_id, sourceFilter(input.source));
  await ctx.authorizer?.({
    kind: "item.read",
    action: "load",
    itemType: item.itemType,
    itemId: item.id,
    category: item.category,
    meta,
  });
  const view = {
    ...itemView(item),
    version: summarise(item.parsed).version,
    content: bodyText(item),
    data: item.parsed.data,
  };
  const destination = input.destination;
  if (!destination || destination === item.space.kind) {
    return { success: true as const, mode: "read_only", ...view };
  }
  const target = destination === "project" ? ctx.spaces.project : ctx.spaces.user;
  await ctx.authorizer?.({
    kind: "item.write",
    action: "load",
    itemType: item.itemType,
    itemId: item.id,
    path: item.file.relPath,
    space: target.name,
    person: actsAsPerson(ctx, options),
    meta,
  });
  const bytes = item.bytes; // exactly the verified bytes, not a second read
  const existing = await target
    .read(item.file.relPath, ctx.settings.limits.maxItemBytes)
    .catch(() => undefined);
  if (existing && Buffer.compare(Buffer.from(existing), Buffer.from(bytes)) === 0) {
    return {
      success: true as const,
      mode: "copy",
      copied: false,
      reason: "identical copy already present",
      destination: target.name,
      ...view,
    };
  }
  if (existing) {
    throw new KiwiError({
      code: "ITEM_EXISTS",
      message: `${target.name} already has a different ${item.itemType} at ${item.file.relPath}: compare them, then delete or update it before loading`,
      context: { destination: target.name, path: item.file.relPath },
    });
  }
  const module = item.parsed.itemType === "tool" ? item.parsed.data.module : undefined;
  if (module && isPathModule(module) && item.space.root) {
    // A code-bearing tool travels with its module: the signature covers both.
    const { file, relToSpace } = await resolvePathModule({
      module,
      definitionFile: item.file.location,
      spaceRoot: item.space.root,
    });
    const code = await readCapped(file, ctx.settings.limits.maxItemBytes * 16, file);
    await writeItemFileAtomic({ spaceRoot: target.root!, relPath: relToSpace, bytes: code });
  }
  await writeItemFileAtomic({ spaceRoot: target.root!, relPath: item.file.relPath, bytes });
  ctx.library.invalidate();
  return {
    success: true as const,
    mode: "copy",
    copied: true,
    destination: target.name,
    ...view,
    path: `${target.name}:${item.file.relPath}`,
  };
}
