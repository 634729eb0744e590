import type { KeyObject } from "node:crypto";
import { types } from "node:util";
import type { Keyring } from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";

/** Public keys a verifier trusts: a Keyring, or an explicit list of `{keyId, publicKey}`. */
export type VerificationKeys = Keyring | readonly { readonly keyId: string; readonly publicKey: KeyObject }[];

/**
 * Snapshots trusted keys into an exact-match map, refusing bad key material (T24) instead of ever
 * running without verification: no keys, a private key (tools must hold only public keys), or a key
 * that is not Ed25519 (Ed448, RSA, EC, secret) is a KEY_ERROR.
 */
export function toVerificationKeys(keys: VerificationKeys): ReadonlyMap<string, KeyObject> {
  const entries = listEntries(keys);
  if (entries.length === 0) throw keyError("no verification keys were given: pass the harness's public key");
  const map = new Map<string, KeyObject>();
  for (const entry of entries) {
    const { keyId, publicKey } = entry as { keyId?: unknown; publicKey?: unknown };
    if (typeof keyId !== "string" || keyId.length === 0) {
      throw keyError("every verification key needs a non-empty string keyId");
    }
    if (!types.isKeyObject(publicKey)) {
      throw keyError(`verification key ${keyId} is not a node:crypto KeyObject: use createPublicKey(pem)`);
    }
    if (publicKey.type !== "public") {
      throw keyError(
        `verification key ${keyId} is a ${publicKey.type} key: give verifiers the public key only`,
      );
    }
    if (publicKey.asymmetricKeyType !== "ed25519") {
      throw keyError(
        `verification key ${keyId} is ${publicKey.asymmetricKeyType}: capability tokens are verified with Ed25519 keys only`,
      );
    }
    const existing = map.get(keyId);
    if (existing !== undefined && !existing.equals(publicKey)) {
      throw keyError(`two different verification keys share the keyId ${keyId}`);
    }
    map.set(keyId, publicKey);
  }
  return map;
}

function listEntries(keys: VerificationKeys): readonly unknown[] {
  if (Array.isArray(keys)) return keys;
  // Duck-typed rather than instanceof: a plugin may bring its own copy of @kiwi/keys.
  const list = (keys as { list?: unknown }).list;
  if (typeof list === "function") return (list as () => unknown[]).call(keys);
  throw keyError("verification keys must be a Keyring or a list of {keyId, publicKey}");
}

function keyError(message: string): KiwiError {
  return new KiwiError({ code: "KEY_ERROR", message });
}
