import { KiwiError } from "@kiwi/spec";
import { issue, issuesError } from "../diagnostics";
import { writeItemFileAtomic } from "../files/write-item-file";
import { declaredField } from "../integrity/declared-field";
import { parseItemRef } from "../items/item-ref";
import type { ItemType } from "../items/item-type";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import { checkDirectiveCapabilities } from "../library/capability-policy";
import { checkDirectiveHarness } from "../library/harness-policy";
import type { ItemRecord } from "../library/item-reader";
import type { ItemFile, ItemSource } from "../spaces/item-source";
import { actsAsPerson } from "./caller";
import { writeSpace } from "./write-target";

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/**
 * A code-bearing tool's module must be readable before its YAML is parsed (the signature covers the
 * module, and unverified bytes never reach the parser): one top-level line `module: "<specifier>"`.
 */
function checkModuleLine(record: ItemRecord): void {
  const module = record.parsed.itemType === "tool" ? record.parsed.data.module : undefined;
  if (module === undefined || declaredField(record.split.body, "module") === module) return;
  throw issuesError(
    [
      issue(
        record.label,
        "module",
        "must be written on one top-level line, quoted or plain without escapes, so the signature can be checked before the definition is parsed",
        `module: "${module}"`,
      ),
    ],
    { file: record.label },
  );
}

/** Signs one record's content with the user key and writes it atomically; returns the signed record. */
export async function signAndWrite(ctx: KernelContext, space: ItemSource, record: ItemRecord) {
  if (record.parsed.itemType === "directive") {
    // Signing is where a user directive asking for system capabilities is stopped (DIRECTIVE_SYSTEM_CAP).
    await ctx.library.ensureFresh();
    checkDirectiveCapabilities(record.parsed.data, {
      registry: ctx.capabilities(),
      core: ctx.allowSystemCaps,
    });
    // A directive naming its harness must name one this project can run (VALIDATION_FAILED otherwise).
    checkDirectiveHarness(record.parsed.data, ctx.library);
  }
  if (record.parsed.itemType === "tool") checkModuleLine(record);
  const key = await ctx.signingKey();
  const bytes = await ctx.reader.sign(record, key, ctx.now());
  await writeItemFileAtomic({ spaceRoot: space.root!, relPath: record.file.relPath, bytes });
  ctx.library.invalidate();
  // Read back what was written and verify it, so a success always means "this file verifies".
  const verified = await ctx.reader.verify(ctx.reader.fromBytes(space, record.file, bytes));
  return {
    item_type: verified.itemType,
    id: verified.id,
    category: verified.category,
    space: space.name,
    path: verified.label,
    signature: { key_id: verified.signature.keyId, signed_at: verified.signature.signedAt },
  };
}

async function signFile(ctx: KernelContext, space: ItemSource, file: ItemFile, options: CallOptions) {
  const record = await ctx.reader.read(space, file);
  await ctx.authorizer?.({
    kind: "item.write",
    action: "sign",
    itemType: file.itemType,
    itemId: file.id,
    path: file.relPath,
    space: space.name,
    person: actsAsPerson(ctx, options),
    meta: options.meta ?? {},
  });
  return signAndWrite(ctx, space, record);
}

/**
 * `execute(<type>, sign, X)`: validate, then sign with the user space key. An id containing `*` or `?`
 * signs every match in the space (matched against the id, or `category/id` when the pattern has a `/`).
 */
export async function signItems(
  ctx: KernelContext,
  itemType: ItemType,
  itemId: string,
  params: Record<string, unknown>,
  options: CallOptions,
) {
  const space = writeSpace(ctx, params.location);
  const files = await space.list(itemType);
  if (/[*?]/.test(itemId)) {
    if (itemId.includes("..") || itemId.startsWith("/") || itemId.includes("\0")) parseItemRef(itemId);
    const re = globToRegExp(itemId);
    const matches = files.filter((f) => re.test(itemId.includes("/") ? `${f.category}/${f.id}` : f.id));
    if (matches.length === 0) {
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `no ${itemType} in ${space.name} matches '${itemId}'`,
        context: { item_type: itemType, pattern: itemId, space: space.name },
      });
    }
    const signed: unknown[] = [];
    const failed: { item: string; error: unknown }[] = [];
    for (const file of matches) {
      try {
        signed.push(await signFile(ctx, space, file, options));
      } catch (error) {
        if (!KiwiError.isInstance(error)) throw error;
        failed.push({ item: file.category ? `${file.category}/${file.id}` : file.id, error: error.toJSON() });
      }
    }
    return {
      success: true as const,
      status: failed.length ? "partial" : "signed",
      signed,
      failed,
      total: matches.length,
      summary: `signed ${signed.length}/${matches.length} ${itemType}s${failed.length ? `, ${failed.length} failed` : ""}`,
    };
  }
  const ref = parseItemRef(itemId);
  const candidates = files.filter(
    (f) => f.id === ref.id && (ref.category === undefined || f.category === ref.category),
  );
  if (candidates.length === 0) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `no ${itemType} '${itemId}' in ${space.name} to sign (only the project and user spaces can be signed: load the item there first)`,
      context: { item_type: itemType, item_id: itemId, space: space.name },
    });
  }
  if (candidates.length > 1) {
    throw new KiwiError({
      code: "INVALID_ITEM_ID",
      message: `'${itemId}' matches ${candidates.length} ${itemType}s in ${space.name}: say which with category/${ref.id}`,
      context: { candidates: candidates.map((c) => `${c.category}/${c.id}`) },
    });
  }
  return {
    success: true as const,
    status: "signed",
    ...(await signFile(ctx, space, candidates[0]!, options)),
  };
}
