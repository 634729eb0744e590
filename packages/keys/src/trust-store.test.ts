import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  keyIdOf,
  keyPaths,
  listTrustedKeys,
  loadKeyring,
  removeTrustedKey,
  signBytes,
  trustPublicKey,
  verifyBytes,
} from "./index";

async function tempSpace() {
  const space = await mkdtemp(join(tmpdir(), "kiwi-trust-"));
  onTestFinished(() => rm(space, { recursive: true, force: true }));
  return space;
}

function publisher() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    keyId: keyIdOf(publicKey),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKey,
  };
}

describe("the trust store", () => {
  it("trusts a publisher's public key so the keyring verifies what the publisher signed", async () => {
    const space = await tempSpace();
    const p = publisher();
    const added = await trustPublicKey({ userSpace: space, pem: p.publicPem, from: "publisher.pub" });
    expect(added).toMatchObject({ keyId: p.keyId, added: true });
    expect((await stat(keyPaths(space).trustedDir)).mode & 0o777).toBe(0o700);
    const ring = await loadKeyring({ userSpace: space });
    const trusted = ring.get(p.keyId);
    expect(trusted?.origin).toMatch(/^trusted-dir:/);
    const bytes = Buffer.from("item bytes");
    expect(verifyBytes(trusted!.publicKey, bytes, signBytes(p.privateKey, bytes))).toBe(true);
  });

  it("stores a key once however often it is trusted, and lists it by id", async () => {
    const space = await tempSpace();
    const p = publisher();
    await trustPublicKey({ userSpace: space, pem: p.publicPem, from: "a" });
    const again = await trustPublicKey({ userSpace: space, pem: `\n${p.publicPem}\n`, from: "b" });
    expect(again.added).toBe(false);
    const { keys, problems } = await listTrustedKeys(space);
    expect(keys.map((k) => k.keyId)).toEqual([p.keyId]);
    expect(problems).toEqual([]);
  });

  it("refuses a private key and stores nothing", async () => {
    const space = await tempSpace();
    const p = publisher();
    await expect(
      trustPublicKey({ userSpace: space, pem: p.privatePem, from: "signing.key" }),
    ).rejects.toMatchObject({ code: "KEY_ERROR", message: expect.stringContaining("PRIVATE key") });
    await expect(readdir(keyPaths(space).trustedDir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses text that is not a key, RSA keys, oversized input and a key id that does not match", async () => {
    const space = await tempSpace();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    for (const pem of ["hello", rsa.toString(), "x".repeat(5000)]) {
      await expect(trustPublicKey({ userSpace: space, pem, from: "f" })).rejects.toMatchObject({
        code: "KEY_ERROR",
      });
    }
    const p = publisher();
    await expect(
      trustPublicKey({
        userSpace: space,
        pem: p.publicPem,
        from: "f",
        expectKeyId: "ed25519:AAAAAAAAAAAAAAAA",
      }),
    ).rejects.toMatchObject({ code: "KEY_ERROR", message: expect.stringContaining(p.keyId) });
    expect((await listTrustedKeys(space)).keys).toEqual([]);
  });

  it("removes a key by id or file name, and says so when there is none", async () => {
    const space = await tempSpace();
    const a = publisher();
    const b = publisher();
    await trustPublicKey({ userSpace: space, pem: a.publicPem, from: "a" });
    const stored = await trustPublicKey({ userSpace: space, pem: b.publicPem, from: "b" });
    expect((await removeTrustedKey(space, a.keyId)).keyId).toBe(a.keyId);
    const file = stored.path.slice(stored.path.lastIndexOf("/") + 1);
    expect((await removeTrustedKey(space, file)).keyId).toBe(b.keyId);
    expect((await loadKeyring({ userSpace: space })).list()).toEqual([]);
    await expect(removeTrustedKey(space, a.keyId)).rejects.toMatchObject({ code: "KEY_ERROR" });
  });
});
