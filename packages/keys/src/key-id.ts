import { createHash, type KeyObject } from "node:crypto";

/** A short, stable id for a public key: `ed25519:` + base64url of the first 12 bytes of SHA-256(SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return `ed25519:${createHash("sha256").update(der).digest().subarray(0, 12).toString("base64url")}`;
}
