import type { VerifiedItem } from "../library/item-reader";

/** The common description of a verified item in meta-tool answers. */
export function itemView(item: VerifiedItem) {
  return {
    item_type: item.itemType,
    id: item.id,
    category: item.category,
    space: item.space.name,
    path: item.label,
    core: item.core,
    signature: {
      key_id: item.signature.keyId,
      signed_at: item.signature.signedAt,
      signer: item.signature.signerOrigin,
    },
  };
}

/** The item's body as text (what was signed and parsed). */
export function bodyText(item: VerifiedItem): string {
  return Buffer.from(item.split.body).toString("utf8");
}
