import { KiwiError } from "@kiwi/spec";
import { REQUIRED_CLAIMS } from "./capability-claims";

/** Why a token was refused; carried as `context.reason` of a TOKEN_INVALID or TOKEN_EXPIRED error. */
export type TokenRejectReason =
  | "missing"
  | "too_large"
  | "malformed"
  | "alg_rejected"
  | "wrong_type"
  | "crit_unsupported"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "wrong_issuer"
  | "claim_missing"
  | "claim_invalid"
  | "thread_mismatch"
  | "verification_failed";

const FRESH = "ask the harness for a fresh token";

// Messages are fixed sentences: they never contain the token, its header values or its caps (G6).
const MESSAGES: Record<TokenRejectReason, string> = {
  missing: "no capability token was supplied: tools run only with the token the Kiwi harness injects",
  too_large:
    "the capability token is larger than the allowed size: pass the token exactly as the harness issued it",
  malformed:
    "the capability token is not a compact JWS (three unpadded base64url segments, JSON header and claims): pass the token exactly as the harness issued it",
  alg_rejected:
    "the capability token is not signed with EdDSA: only EdDSA tokens minted by the harness are accepted",
  wrong_type: 'the token is not a Kiwi capability token (header "typ" must be "kiwi-cap+jwt")',
  crit_unsupported:
    'the capability token declares critical header extensions ("crit"), which Kiwi does not support',
  bad_signature: `the capability token's signature does not verify against a trusted key: ${FRESH}`,
  expired: `the capability token has expired: ${FRESH}`,
  not_yet_valid: "the capability token is not valid yet: check that the harness and tool clocks agree",
  wrong_audience: `the capability token was issued for another audience: ${FRESH}`,
  wrong_issuer: `the capability token was issued by an unexpected issuer: ${FRESH}`,
  claim_missing: `the capability token lacks a required claim: ${FRESH}`,
  claim_invalid: `the capability token has an invalid claim: ${FRESH}`,
  thread_mismatch: "the capability token was issued for another thread: each thread uses only its own token",
  verification_failed: `the capability token could not be verified: ${FRESH}`,
};

const KNOWN_CLAIMS: ReadonlySet<string> = new Set<string>([...REQUIRED_CLAIMS, "typ"]);

/**
 * The error for a refused token. `claim` is echoed only when it is one of Kiwi's own claim names, so
 * nothing taken from the token itself reaches the message or context. No `cause`: jose's claim errors
 * carry the whole claims set, caps included.
 */
export function tokenRejected(
  reason: TokenRejectReason,
  details: { claim?: string; jose?: string } = {},
): KiwiError {
  const claim = details.claim !== undefined && KNOWN_CLAIMS.has(details.claim) ? details.claim : undefined;
  const context: Record<string, unknown> = { reason };
  if (claim !== undefined) context.claim = claim;
  if (details.jose !== undefined) context.jose = details.jose;
  return new KiwiError({
    code: reason === "expired" ? "TOKEN_EXPIRED" : "TOKEN_INVALID",
    message: messageFor(reason, claim),
    context,
  });
}

function messageFor(reason: TokenRejectReason, claim: string | undefined): string {
  if (claim !== undefined && reason === "claim_missing") {
    return `the capability token lacks the required "${claim}" claim: ${FRESH}`;
  }
  if (claim !== undefined && reason === "claim_invalid") {
    return `the capability token's "${claim}" claim is invalid: ${FRESH}`;
  }
  return MESSAGES[reason];
}
