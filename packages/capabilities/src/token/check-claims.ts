import type { Grant } from "../grant";
import type { CapabilityClaims } from "./capability-claims";
import { readGrant } from "./read-grant";
import { TOKEN_DEFAULTS } from "./token-defaults";
import { tokenRejected } from "./token-rejected";

/**
 * The checks jose does not do, run on a payload whose signature, `exp`, `nbf`, `aud`, `iss` and claim
 * presence jose has already verified. Builds a fresh, deep-frozen claims object holding only known
 * claims.
 */
export function checkClaims(
  payload: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  toleranceSeconds: number,
): CapabilityClaims {
  const exp = safeInteger(payload, "exp");
  const iat = safeInteger(payload, "iat");
  const nbf = safeInteger(payload, "nbf");
  if (iat > nowSeconds + toleranceSeconds) throw tokenRejected("claim_invalid", { claim: "iat" });
  if (exp <= iat || exp - iat > TOKEN_DEFAULTS.maxTtlSeconds)
    throw tokenRejected("claim_invalid", { claim: "exp" });
  // jose accepts an array holding the audience; Kiwi tokens name exactly one (T12).
  if (typeof payload.aud !== "string") throw tokenRejected("wrong_audience");
  if (typeof payload.iss !== "string") throw tokenRejected("wrong_issuer");
  const parent = payload.parent_jti;
  if (parent !== null && !isText(parent)) throw tokenRejected("claim_invalid", { claim: "parent_jti" });
  return Object.freeze({
    caps: readCaps(payload.caps),
    aud: payload.aud,
    iss: payload.iss,
    exp,
    iat,
    nbf,
    jti: text(payload, "jti"),
    directive_id: text(payload, "directive_id"),
    thread_id: text(payload, "thread_id"),
    parent_jti: parent,
  });
}

/**
 * Unreadable entries grant nothing and are left out (T22): dropping fails closed, since every entry
 * can only add permissions. An entry carrying prototype keys is hostile, so the whole token goes.
 */
function readCaps(value: unknown): readonly Grant[] {
  if (!Array.isArray(value)) throw tokenRejected("claim_invalid", { claim: "caps" });
  const caps: Grant[] = [];
  for (const entry of value) {
    const reading = readGrant(entry);
    if (reading.ok) caps.push(reading.grant);
    else if (reading.prototypeKey) throw tokenRejected("claim_invalid", { claim: "caps" });
  }
  return Object.freeze(caps);
}

function safeInteger(payload: Readonly<Record<string, unknown>>, claim: "exp" | "iat" | "nbf"): number {
  const value = payload[claim];
  // Safe integers only (UCAN): 1e300 or 2**53 + 2 would make every time comparison meaningless.
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw tokenRejected("claim_invalid", { claim });
  }
  return value;
}

function text(
  payload: Readonly<Record<string, unknown>>,
  claim: "jti" | "directive_id" | "thread_id",
): string {
  const value = payload[claim];
  if (!isText(value)) throw tokenRejected("claim_invalid", { claim });
  return value;
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}
