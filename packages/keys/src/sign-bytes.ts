import { type KeyObject, sign, verify } from "node:crypto";

/** Ed25519 signature of exactly these bytes. */
export function signBytes(privateKey: KeyObject, bytes: Uint8Array): Buffer {
  return sign(null, bytes, privateKey);
}

/** True only for a valid Ed25519 signature of exactly these bytes under this key. */
export function verifyBytes(publicKey: KeyObject, bytes: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, bytes, publicKey, signature);
  } catch {
    return false;
  }
}
