import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { removeItemFile } from "../files/write-item-file";
import { splitSignature } from "../integrity/signature-line";
import { parseCategory, parseItemRef } from "../items/item-ref";
import { ITEM_EXTENSIONS, ITEM_FOLDERS, type ItemType } from "../items/item-type";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import type { ItemFile } from "../spaces/item-source";
import { actsAsPerson } from "./caller";
import { signAndWrite } from "./sign-items";
import { writeSpace } from "./write-target";

function invalid(field: string, message: string): KiwiError {
  return new KiwiError({ code: "INVALID_INPUT", message: `${field}: ${message}`, context: { field } });
}

/**
 * `create` / `update`: validate the given content as the item it claims to be, then sign and write it
 * atomically. Nothing is written when validation fails. `create` refuses an id that exists in the space;
 * `update` refuses one that does not.
 */
export async function writeItem(
  ctx: KernelContext,
  action: "create" | "update",
  itemType: ItemType,
  itemId: string,
  params: Record<string, unknown>,
  options: CallOptions,
) {
  const { content } = params;
  if (typeof content !== "string")
    throw invalid("parameters.content", `${action} needs the item's full text as a string`);
  const space = writeSpace(ctx, params.location);
  const ref = parseItemRef(itemId);
  if (params.category !== undefined && typeof params.category !== "string")
    throw invalid("parameters.category", "must be a string");
  const givenCategory = typeof params.category === "string" ? parseCategory(params.category) : undefined;
  if (ref.category !== undefined && givenCategory !== undefined && ref.category !== givenCategory) {
    throw invalid(
      "parameters.category",
      `'${givenCategory}' contradicts the category in item_id '${itemId}'`,
    );
  }
  const category = ref.category ?? givenCategory;
  const existing = (await space.list(itemType)).filter(
    (f) => f.id === ref.id && (category === undefined || f.category === category),
  );
  let relPath: string;
  let fileCategory: string;
  if (action === "create") {
    const clash = (await space.list(itemType)).find((f) => f.id === ref.id);
    if (clash) {
      throw new KiwiError({
        code: "ITEM_EXISTS",
        message: `${space.name} already has ${itemType} '${ref.id}' (${clash.relPath}): use action=update to change it`,
        context: { path: clash.relPath, space: space.name },
      });
    }
    fileCategory = category ?? "";
    relPath = [
      ITEM_FOLDERS[itemType],
      ...(fileCategory ? fileCategory.split("/") : []),
      `${ref.id}${ITEM_EXTENSIONS[itemType][0]}`,
    ].join("/");
  } else {
    if (existing.length !== 1) {
      throw new KiwiError({
        code: existing.length ? "INVALID_ITEM_ID" : "ITEM_NOT_FOUND",
        message: existing.length
          ? `'${itemId}' matches ${existing.length} ${itemType}s in ${space.name}: say which with category/${ref.id}`
          : `no ${itemType} '${itemId}' in ${space.name} to update: use action=create`,
        context: { item_type: itemType, item_id: itemId, space: space.name },
      });
    }
    relPath = existing[0]!.relPath;
    fileCategory = existing[0]!.category;
  }
  const raw = Buffer.from(content, "utf8");
  // A signature line in the given content is dropped: the kernel signs what it writes.
  const body = splitSignature(itemType, raw).body;
  const file: ItemFile = {
    itemType,
    id: ref.id,
    category: fileCategory,
    relPath,
    location: join(space.root!, relPath),
    stamp: "",
  };
  const record = ctx.reader.fromBytes(space, file, body);
  await ctx.authorizer?.({
    kind: "item.write",
    action,
    itemType,
    itemId: ref.id,
    path: relPath,
    space: space.name,
    person: actsAsPerson(ctx, options),
    meta: options.meta ?? {},
  });
  const written = await signAndWrite(ctx, space, record);
  return { success: true as const, status: action === "create" ? "created" : "updated", ...written };
}

/** `delete`: needs `parameters.confirm: true`; removes the item from the project or user space. */
export async function deleteItem(
  ctx: KernelContext,
  itemType: ItemType,
  itemId: string,
  params: Record<string, unknown>,
  options: CallOptions,
) {
  if (params.confirm !== true) {
    throw new KiwiError({
      code: "CONFIRMATION_REQUIRED",
      message: `deleting ${itemType} '${itemId}' needs parameters.confirm = true`,
      context: { required: { confirm: true } },
    });
  }
  const space = writeSpace(ctx, params.location);
  const ref = parseItemRef(itemId);
  const matches = (await space.list(itemType)).filter(
    (f) => f.id === ref.id && (ref.category === undefined || f.category === ref.category),
  );
  if (matches.length !== 1) {
    throw new KiwiError({
      code: matches.length ? "INVALID_ITEM_ID" : "ITEM_NOT_FOUND",
      message: matches.length
        ? `'${itemId}' is ambiguous in ${space.name}: use category/${ref.id}`
        : `no ${itemType} '${itemId}' in ${space.name}`,
      context: { item_type: itemType, item_id: itemId, space: space.name },
    });
  }
  const file = matches[0]!;
  await ctx.authorizer?.({
    kind: "item.write",
    action: "delete",
    itemType,
    itemId: ref.id,
    path: file.relPath,
    space: space.name,
    person: actsAsPerson(ctx, options),
    meta: options.meta ?? {},
  });
  await removeItemFile({ spaceRoot: space.root!, relPath: file.relPath });
  ctx.library.invalidate();
  return {
    success: true as const,
    status: "deleted",
    item_type: itemType,
    id: ref.id,
    category: file.category,
    space: space.name,
    path: `${space.name}:${file.relPath}`,
  };
}
