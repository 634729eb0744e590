import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A provider-looking id (`msg_01…`, `toolu_01…`, `chatcmpl-…`, `call_…`) of a fixed length, so byte
 * offsets in a response (what `drop_after_bytes` counts) do not move from one run to the next.
 */
export function randomId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
