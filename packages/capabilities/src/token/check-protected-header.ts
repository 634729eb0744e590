import { TOKEN_DEFAULTS } from "./token-defaults";
import { tokenRejected } from "./token-rejected";

const MAX_KID_LENGTH = 256;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Checks the protected header of a screened token and returns its `kid`, or undefined when there is no
 * usable one (the caller answers bad_signature: no trusted key). Header values are untrusted input:
 * `jku`, `x5u`, `jwk` and `x5c` are never read, and `kid` is only ever used as an exact map key
 * (RFC 8725 §3.10).
 */
export function checkProtectedHeader(token: string): string | undefined {
  const header = parseHeader(token.slice(0, token.indexOf(".")));
  if (header.alg !== TOKEN_DEFAULTS.algorithm) throw tokenRejected("alg_rejected");
  // Exact comparison: jose alone would also accept "application/kiwi-cap+jwt" and other casings.
  if (header.typ !== TOKEN_DEFAULTS.type) throw tokenRejected("wrong_type");
  // Kiwi defines no extensions, so any "crit" (even the jose-recognised "b64") is refused up front.
  if (Object.hasOwn(header, "crit")) throw tokenRejected("crit_unsupported");
  const { kid } = header;
  return typeof kid === "string" && kid.length > 0 && kid.length <= MAX_KID_LENGTH ? kid : undefined;
}

function parseHeader(segment: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(Buffer.from(segment, "base64url")));
  } catch {
    throw tokenRejected("malformed");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw tokenRejected("malformed");
  return parsed as Record<string, unknown>;
}
