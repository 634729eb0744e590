/**
 * The fixed parameters of Kiwi capability tokens, in one place so the minting and the verifying side
 * can never drift apart.
 */
export const TOKEN_DEFAULTS = {
  /** Exactly one JWS identifier: jose maps both "EdDSA" and "Ed25519" to Ed25519, so one is pinned (T3). */
  algorithm: "EdDSA",
  /** Explicit typing (RFC 8725 §3.11): other JWT kinds signed with the same key are refused. */
  type: "kiwi-cap+jwt",
  audience: "kiwi-tools",
  issuer: "kiwi-harness",
  /**
   * 15 minutes. There is no revocation list at this layer: a token of a terminated thread stays valid
   * until `exp`, so the lifetime is kept short and the harness renews tokens of live threads (T17).
   */
  ttlSeconds: 900,
  /** No token lives longer than a day, whatever the minting side asks for; the verifier checks it too. */
  maxTtlSeconds: 86_400,
  clockToleranceSeconds: 5,
  /** Checked on the raw string before any decoding (T19); minted tokens must fit under it as well. */
  maxTokenBytes: 8192,
  cacheEntries: 1024,
} as const;
