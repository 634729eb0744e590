import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { writeItemFileAtomic } from "../files/write-item-file";
import { signPayload } from "../integrity/item-integrity";
import { formatSignatureLine, splitSignature } from "../integrity/signature-line";
import type { SignedPayload } from "../integrity/signed-message";
import type { KernelContext } from "../kernel-context";
import { isMissingFile, readCapped } from "../spaces/directory-space";
import type { ItemSource } from "../spaces/item-source";

const FILE = "AGENTS.md";

function payload(body: Uint8Array): SignedPayload {
  return { itemType: "system_prompt", itemId: "AGENTS", category: "", body, attachments: [] };
}

async function readFrom(ctx: KernelContext, space: ItemSource) {
  const bytes = await readCapped(
    join(space.root!, FILE),
    ctx.settings.limits.maxItemBytes,
    `${space.name}:${FILE}`,
  ).catch((error: unknown) => {
    if (isMissingFile(error)) return undefined;
    throw error;
  });
  return bytes;
}

/**
 * The system prompt: `AGENTS.md` from the first space that has one (project, user, core), verified like
 * any item. An unsigned or modified prompt is refused, since it steers every model call.
 */
export async function readSystemPrompt(ctx: KernelContext) {
  const spaces = [ctx.spaces.project, ctx.spaces.user, ...(ctx.spaces.core ? [ctx.spaces.core] : [])];
  for (const space of spaces) {
    const bytes = await readFrom(ctx, space);
    if (!bytes) continue;
    const split = splitSignature("system_prompt", bytes);
    const signature = ctx.verifier.verify({
      file: `${space.name}:${FILE}`,
      split,
      payload: payload(split.body),
      signHint: "`kiwi sign agents`",
    });
    return {
      text: Buffer.from(split.body).toString("utf8"),
      space: space.name,
      path: `${space.name}:${FILE}`,
      core: space.kind === "core" && signature.signerOrigin === "core",
      signature: { key_id: signature.keyId, signed_at: signature.signedAt, signer: signature.signerOrigin },
    };
  }
  throw new KiwiError({
    code: "ITEM_NOT_FOUND",
    message:
      "no AGENTS.md in the project, user or core space: copy the core bundle's AGENTS.md into the project's .ai/ and sign it (`kiwi sign agents`)",
    context: { file: FILE },
  });
}

/** Signs the `AGENTS.md` of the project or user space with the user key. */
export async function signSystemPrompt(ctx: KernelContext, location: "project" | "user") {
  const space = location === "user" ? ctx.spaces.user : ctx.spaces.project;
  const bytes = await readFrom(ctx, space);
  if (!bytes) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `no ${FILE} in the ${space.name} space`,
      context: { space: space.name },
    });
  }
  await ctx.authorizer?.({
    kind: "item.write",
    action: "sign",
    itemType: "system_prompt",
    itemId: "AGENTS",
    path: FILE,
    space: space.name,
    person: ctx.personAtTerminal,
    meta: {},
  });
  const body = splitSignature("system_prompt", bytes).body;
  const line = formatSignatureLine(
    "system_prompt",
    signPayload(payload(body), await ctx.signingKey(), ctx.now()),
  );
  await writeItemFileAtomic({
    spaceRoot: space.root!,
    relPath: FILE,
    bytes: Buffer.concat([Buffer.from(line), body]),
  });
  return { success: true as const, status: "signed", path: `${space.name}:${FILE}` };
}
