import type { KiwiError } from "@kiwi/spec";
import { errors } from "jose";
import { tokenRejected } from "./token-rejected";

/**
 * Maps what `jwtVerify` throws to Kiwi's reasons. Anything unexpected still becomes a TOKEN_INVALID:
 * verification fails closed and callers only ever see KiwiError.
 */
export function fromJoseError(error: unknown): KiwiError {
  if (error instanceof errors.JWSSignatureVerificationFailed) return tokenRejected("bad_signature");
  if (error instanceof errors.JWTExpired) return tokenRejected("expired");
  if (error instanceof errors.JWTClaimValidationFailed) return fromClaimFailure(error);
  if (error instanceof errors.JOSEAlgNotAllowed) return tokenRejected("alg_rejected");
  if (error instanceof errors.JOSENotSupported)
    return tokenRejected("crit_unsupported", { jose: error.code });
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return tokenRejected("malformed", { jose: error.code });
  }
  if (error instanceof errors.JOSEError) return tokenRejected("verification_failed", { jose: error.code });
  return tokenRejected("verification_failed");
}

function fromClaimFailure(error: InstanceType<typeof errors.JWTClaimValidationFailed>): KiwiError {
  if (error.reason === "missing") return tokenRejected("claim_missing", { claim: error.claim });
  if (error.reason === "invalid") return tokenRejected("claim_invalid", { claim: error.claim });
  switch (error.claim) {
    case "nbf":
      return tokenRejected("not_yet_valid");
    case "aud":
      return tokenRejected("wrong_audience");
    case "iss":
      return tokenRejected("wrong_issuer");
    case "typ":
      return tokenRejected("wrong_type");
    default:
      return tokenRejected("claim_invalid", { claim: error.claim });
  }
}
