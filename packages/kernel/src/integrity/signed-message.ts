import type { SignedKind } from "./signature-line";

/**
 * Extra bytes a signature covers besides the item file: a code-bearing tool's module file (`bytes`), or
 * an installed package pinned by name and version (`bytes` empty: npm's lockfile guards its contents).
 */
export interface SignedAttachment {
  readonly label: string;
  readonly bytes: Uint8Array;
}

export interface SignedPayload {
  readonly itemType: SignedKind;
  readonly itemId: string;
  /** The folder category the item lives in ("" at the top): moving a file is an edit. */
  readonly category: string;
  /** The exact bytes after the signature line: what the parser will read. */
  readonly body: Uint8Array;
  readonly attachments: readonly SignedAttachment[];
}

/**
 * The message that is signed: a header that binds type, id, key, time and the length of every part,
 * followed by the body bytes and each attachment's bytes. Lengths in the header make the concatenation
 * unambiguous, so no part can be shifted into another.
 */
export function signedMessage(payload: SignedPayload, keyId: string, signedAt: string): Buffer {
  return Buffer.concat(signedMessageParts(payload, keyId, signedAt));
}

/** The signed message as its parts, in order (hashing them one after the other needs no copy). */
export function signedMessageParts(payload: SignedPayload, keyId: string, signedAt: string): Uint8Array[] {
  let header = `kiwi-item-signature:v1\ntype=${payload.itemType}\nid=${payload.itemId}\ncategory=${payload.category}\nkey=${keyId}\nts=${signedAt}\nbody=${payload.body.length}\n`;
  for (const a of payload.attachments)
    header += `attachment=${encodeURIComponent(a.label)}:${a.bytes.length}\n`;
  return [Buffer.from(header, "utf8"), payload.body, ...payload.attachments.map((a) => a.bytes)];
}
