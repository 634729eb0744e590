import { randomBytes, sign } from "node:crypto";
import { types } from "node:util";
import type { SigningKey } from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";
import type { Grant } from "../grant";
import type { CapabilityClaims } from "./capability-claims";
import { recordMinted } from "./minted-tokens";
import { readGrant } from "./read-grant";
import { TOKEN_DEFAULTS } from "./token-defaults";

export interface MintTokenOptions {
  key: SigningKey;
  grants: readonly Grant[];
  directiveId: string;
  threadId: string;
  /** The `jti` of the token this one is attenuated from; omitted for a root token (claim set to null). */
  parentJti?: string;
  /** Default 900 (15 min), at most 86 400 (24 h). */
  ttlSeconds?: number;
  /** Epoch seconds: `exp` is clamped to it, so a child never outlives its parent (G3). */
  notAfter?: number;
  /** Default "kiwi-tools". */
  audience?: string;
  /** Default "kiwi-harness". */
  issuer?: string;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

export interface MintedToken {
  readonly token: string;
  readonly claims: CapabilityClaims;
}

/**
 * Mints a capability token (EdDSA, `typ: kiwi-cap+jwt`, `kid` = the key id). Grants are checked for
 * shape only (cap name syntax, scope shape, no prototype keys): whether a cap exists and may be held
 * is decided by the caller before minting. Bad input is INVALID_INPUT with `context.reason`; a key that
 * is not an Ed25519 private key is KEY_ERROR.
 */
export async function mintToken(options: MintTokenOptions): Promise<MintedToken> {
  const key = checkSigningKey(options.key);
  const caps = readGrants(options.grants);
  const ttl = options.ttlSeconds ?? TOKEN_DEFAULTS.ttlSeconds;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > TOKEN_DEFAULTS.maxTtlSeconds) {
    throw invalid(
      "invalid_option",
      `ttlSeconds must be an integer from 1 to ${TOKEN_DEFAULTS.maxTtlSeconds}`,
      {
        option: "ttlSeconds",
      },
    );
  }
  const nowMs = (options.now ?? Date.now)();
  if (!Number.isFinite(nowMs) || nowMs < 0) {
    throw invalid("invalid_option", "now() must return epoch milliseconds", { option: "now" });
  }
  const iat = Math.floor(nowMs / 1000);
  let exp = iat + ttl;
  if (options.notAfter !== undefined) {
    if (!Number.isSafeInteger(options.notAfter)) {
      throw invalid("invalid_option", "notAfter must be an integer in epoch seconds", { option: "notAfter" });
    }
    exp = Math.min(exp, options.notAfter);
  }
  if (exp <= iat) {
    throw invalid(
      "parent_expired",
      "notAfter is not in the future: the parent token has expired, renew it first",
    );
  }
  const claims: CapabilityClaims = Object.freeze({
    caps,
    aud: text("audience", options.audience ?? TOKEN_DEFAULTS.audience),
    iss: text("issuer", options.issuer ?? TOKEN_DEFAULTS.issuer),
    exp,
    iat,
    nbf: iat,
    jti: randomBytes(16).toString("base64url"),
    directive_id: text("directiveId", options.directiveId),
    thread_id: text("threadId", options.threadId),
    parent_jti: options.parentJti === undefined ? null : text("parentJti", options.parentJti),
  });
  // A compact JWS (RFC 7515) signed with Ed25519 in this thread: node:crypto signs synchronously, where
  // jose's WebCrypto signing waits for the thread pool. Verified by jose like any other token.
  const header = { alg: TOKEN_DEFAULTS.algorithm, typ: TOKEN_DEFAULTS.type, kid: key.keyId };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const token = `${input}.${sign(null, Buffer.from(input), key.privateKey).toString("base64url")}`;
  // Never hand out a token the default verifier would refuse as too large.
  if (token.length > TOKEN_DEFAULTS.maxTokenBytes) {
    throw invalid(
      "too_large",
      `the token would exceed ${TOKEN_DEFAULTS.maxTokenBytes} bytes: grant fewer, broader caps`,
    );
  }
  recordMinted(token, key.keyId, key.privateKey, { ...claims });
  return { token, claims };
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function checkSigningKey(key: SigningKey): SigningKey {
  const { keyId, privateKey } = (key ?? {}) as Partial<SigningKey>;
  const usable =
    typeof keyId === "string" &&
    keyId.length > 0 &&
    types.isKeyObject(privateKey) &&
    privateKey.type === "private" &&
    privateKey.asymmetricKeyType === "ed25519";
  if (!usable) {
    throw new KiwiError({
      code: "KEY_ERROR",
      message:
        "capability tokens are minted with an Ed25519 private key and its keyId: use loadOrCreateSigningKey()",
    });
  }
  return key;
}

function readGrants(grants: readonly Grant[]): readonly Grant[] {
  if (!Array.isArray(grants)) throw invalid("invalid_grant", "grants must be an array of {cap, scope?}");
  const out: Grant[] = [];
  grants.forEach((value: unknown, index) => {
    const reading = readGrant(value);
    if (!reading.ok) throw invalid("invalid_grant", `grant ${index}: ${reading.problem}`, { index });
    out.push(reading.grant);
  });
  return Object.freeze(out);
}

function text(option: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 256) {
    throw invalid("invalid_option", `${option} must be a string of 1 to 256 characters`, { option });
  }
  return value;
}

function invalid(reason: string, message: string, extra: Record<string, unknown> = {}): KiwiError {
  return new KiwiError({ code: "INVALID_INPUT", message, context: { reason, ...extra } });
}
