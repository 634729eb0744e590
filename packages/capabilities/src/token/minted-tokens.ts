import { createPublicKey, type KeyObject } from "node:crypto";
import type { CapabilityClaims } from "./capability-claims";
import { checkClaims } from "./check-claims";
import type { VerifySettings } from "./verify-settings";

/**
 * Tokens minted in this process, each with the public half of the key that signed it (bounded, oldest
 * dropped first). A verifier that trusts that very key for the token's `kid` knows the signature is good
 * without checking it again: the token string was produced here by signing its payload with the matching
 * private key. Its claims are still checked like a verified token's (audience, issuer, times, shape); a
 * token that fails any of those is left to the full verification, which gives the usual error. Nothing
 * can be put here without the private key (`mintToken` is the only writer), so this is never wider than
 * verifying: it saves a thread its first verification of every token the runtime just minted for it.
 */
interface MintRecord {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  readonly payload: Readonly<Record<string, unknown>>;
}

const MAX_RECORDS = 1024;
const records = new Map<string, MintRecord>();
const publicKeys = new WeakMap<KeyObject, KeyObject>();

/** The public half of a private key (derived once per key object). */
function publicKeyOf(privateKey: KeyObject): KeyObject {
  let publicKey = publicKeys.get(privateKey);
  if (!publicKey) {
    publicKey = createPublicKey(privateKey);
    publicKeys.set(privateKey, publicKey);
  }
  return publicKey;
}

/** Called by mintToken for every token it signs. */
export function recordMinted(
  token: string,
  keyId: string,
  privateKey: KeyObject,
  payload: Readonly<Record<string, unknown>>,
): void {
  records.set(token, { keyId, publicKey: publicKeyOf(privateKey), payload });
  if (records.size > MAX_RECORDS) {
    const oldest = records.keys().next();
    if (!oldest.done) records.delete(oldest.value);
  }
}

/**
 * The claims of a token minted in this process with a key `settings` trusts for its `kid`, checked as a
 * verification checks them; undefined when it was not minted here, by such a key, or any check fails
 * (the caller then verifies it in full).
 */
export function mintedClaims(token: string, settings: VerifySettings): CapabilityClaims | undefined {
  const record = records.get(token);
  if (!record) return undefined;
  const trusted = settings.keys.get(record.keyId);
  if (!trusted?.equals(record.publicKey)) return undefined;
  const p = record.payload;
  const now = Math.floor(settings.now() / 1000);
  const tolerance = settings.clockToleranceSeconds;
  if (p.aud !== settings.audience || p.iss !== settings.issuer) return undefined;
  if (typeof p.exp !== "number" || p.exp <= now - tolerance) return undefined;
  if (typeof p.nbf !== "number" || p.nbf > now + tolerance) return undefined;
  try {
    return checkClaims(p, now, tolerance);
  } catch {
    return undefined;
  }
}
