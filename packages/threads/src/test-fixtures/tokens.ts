// Test support: a throwaway Ed25519 key, a verifier for it and tokens minted with it.
import { generateKeyPairSync } from "node:crypto";
import { type Grant, mintToken, TokenVerifier } from "@kiwi/capabilities";

export function testKeys() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const key = { keyId: "ed25519:test", privateKey, publicKey, publicKeyPem: "" };
  return {
    verifier: new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey }] }),
    token: async (grants: Grant[], threadId = "tests") =>
      (await mintToken({ key, grants, directiveId: "tests", threadId })).token,
  };
}
