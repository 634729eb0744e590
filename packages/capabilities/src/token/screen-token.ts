import { tokenRejected } from "./token-rejected";

// Character classes exclude ".", so the match is unambiguous and linear in the (already bounded) length.
// The signature may be empty so that an `alg: none` token is reported as alg_rejected (what it is)
// rather than as malformed; an empty signature under EdDSA fails as bad_signature.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Type and size checks, done before anything else touches the value: `.length` is read first, so a
 * 100 MiB string costs no more than a short one (T19). Non-ASCII input fails the shape check later, so
 * counting UTF-16 units here never lets a longer byte string through.
 */
export function checkTokenSize(raw: unknown, maxTokenBytes: number): string {
  if (raw === undefined || raw === null || raw === "") throw tokenRejected("missing");
  if (typeof raw !== "string") throw tokenRejected("malformed");
  if (raw.length > maxTokenBytes) throw tokenRejected("too_large");
  return raw;
}

/**
 * Returns the token when it is exactly three canonical, unpadded base64url segments (only the
 * signature may be empty). Canonical means the unused low bits of the last character are zero: the
 * decoder ignores them, so without this check a signature segment could be re-spelled and still verify
 * (a second accepted string for one token).
 */
export function screenToken(raw: unknown, maxTokenBytes: number): string {
  const token = checkTokenSize(raw, maxTokenBytes);
  if (!COMPACT_JWS.test(token)) throw tokenRejected("malformed");
  let start = 0;
  for (let i = 0; i < 3; i++) {
    const end = i < 2 ? token.indexOf(".", start) : token.length;
    if (!isCanonicalSegment(token, start, end)) throw tokenRejected("malformed");
    start = end + 1;
  }
  return token;
}

function isCanonicalSegment(token: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const value = ALPHABET.indexOf(token.charAt(end - 1));
  // Two leftover characters carry 8 bits of 12, three carry 16 of 18.
  return rest === 2 ? (value & 0b1111) === 0 : (value & 0b11) === 0;
}
