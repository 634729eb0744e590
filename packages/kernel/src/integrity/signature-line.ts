import type { ItemType } from "../items/item-type";

/** What can carry a signature line: the three item types and the system prompt (`AGENTS.md`). */
export type SignedKind = ItemType | "system_prompt";

/** The fields of a signature line. */
export interface SignatureLine {
  readonly keyId: string;
  /** ISO-8601 UTC timestamp, seconds precision. */
  readonly signedAt: string;
  /** base64url Ed25519 signature (86 characters). */
  readonly signature: string;
}

export type SplitResult =
  | { kind: "signed"; line: SignatureLine; body: Uint8Array }
  | { kind: "unsigned"; body: Uint8Array }
  | { kind: "malformed"; body: Uint8Array; reason: string };

const FIELDS = String.raw`kiwi:signature v1 key=(ed25519:[A-Za-z0-9_-]{16}) ts=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) sig=([A-Za-z0-9_-]{86})`;
const MARKDOWN = new RegExp(`^<!-- ${FIELDS} -->$`);
const YAML = new RegExp(`^# ${FIELDS}$`);

function isMarkdown(type: SignedKind): boolean {
  return type !== "tool";
}

/** Renders the signature line (with its trailing newline) for an item type. */
export function formatSignatureLine(type: SignedKind, line: SignatureLine): string {
  const fields = `kiwi:signature v1 key=${line.keyId} ts=${line.signedAt} sig=${line.signature}`;
  return isMarkdown(type) ? `<!-- ${fields} -->\n` : `# ${fields}\n`;
}

/**
 * Splits a file into its signature line (always the very first line, ending in `\n`) and the body: the
 * exact bytes that are signed and then parsed. A first line that looks like a signature but is not
 * exactly one is reported as malformed rather than treated as content.
 */
export function splitSignature(type: SignedKind, bytes: Uint8Array): SplitResult {
  const newline = bytes.indexOf(0x0a);
  const firstEnd = newline === -1 ? bytes.length : newline;
  // Signature lines are short ASCII; never decode more than that.
  const first = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(firstEnd, 512)).toString("latin1");
  const marker = isMarkdown(type) ? "<!-- kiwi:signature" : "# kiwi:signature";
  if (!first.startsWith(marker)) return { kind: "unsigned", body: bytes };
  const body = newline === -1 ? new Uint8Array(0) : bytes.subarray(newline + 1);
  const match = (isMarkdown(type) ? MARKDOWN : YAML).exec(first);
  if (!match || newline === -1 || firstEnd > 512) {
    return { kind: "malformed", body, reason: "the signature line is not in the kiwi:signature v1 format" };
  }
  return { kind: "signed", line: { keyId: match[1]!, signedAt: match[2]!, signature: match[3]! }, body };
}
