import type { Grant } from "../grant";

/**
 * The verified claims of a capability token. Returned objects are deep-frozen: a verifier hands the
 * same object to every caller of a cached token, so no caller may change what another one sees.
 */
export interface CapabilityClaims {
  /** Well-formed grants only; an entry the verifier cannot read grants nothing and is left out. */
  readonly caps: readonly Grant[];
  readonly aud: string;
  readonly iss: string;
  /** Epoch seconds. */
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly jti: string;
  readonly directive_id: string;
  readonly thread_id: string;
  /** The `jti` of the token this one was attenuated from; null for a root token. Always present. */
  readonly parent_jti: string | null;
}

/** Claims a token must carry; passed to jose as `requiredClaims`, because jose skips absent `exp`/`nbf`. */
export const REQUIRED_CLAIMS = [
  "exp",
  "iat",
  "nbf",
  "jti",
  "aud",
  "iss",
  "caps",
  "thread_id",
  "directive_id",
  "parent_jti",
] as const;
