import { generateKeyPairSync } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { keyPaths, loadKeyring, loadOrCreateSigningKey, signBytes, verifyBytes } from "./index";

/** A fresh user space, removed when the test ends. (@kiwi/testing's tempProject builds on this package.) */
async function tempSpace() {
  const space = await mkdtemp(join(tmpdir(), "kiwi-keys-"));
  onTestFinished(() => rm(space, { recursive: true, force: true }));
  return space;
}

describe("loadOrCreateSigningKey", () => {
  it("creates an Ed25519 key pair on first use with a 0600 private key and reuses it after", async () => {
    const space = await tempSpace();
    const first = await loadOrCreateSigningKey({ userSpace: space });
    const paths = keyPaths(space);
    expect((await stat(paths.privateKey)).mode & 0o777).toBe(0o600);
    expect(await readFile(paths.publicKey, "utf8")).toBe(first.publicKeyPem);
    expect(first.keyId).toMatch(/^ed25519:[A-Za-z0-9_-]{16}$/);
    const second = await loadOrCreateSigningKey({ userSpace: space });
    expect(second.keyId).toBe(first.keyId);
  });

  it("gives every concurrent caller the same key", async () => {
    const space = await tempSpace();
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateSigningKey({ userSpace: space })),
    );
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
  });

  it("refuses a private key other users can read", async () => {
    const space = await tempSpace();
    await loadOrCreateSigningKey({ userSpace: space });
    await chmod(keyPaths(space).privateKey, 0o644);
    await expect(loadOrCreateSigningKey({ userSpace: space })).rejects.toMatchObject({ code: "KEY_ERROR" });
  });

  it("refuses a key that is not Ed25519", async () => {
    const space = await tempSpace();
    const paths = keyPaths(space);
    await mkdir(paths.dir, { recursive: true });
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await writeFile(paths.privateKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    await expect(loadOrCreateSigningKey({ userSpace: space })).rejects.toMatchObject({ code: "KEY_ERROR" });
  });
});

describe("signatures and keyring", () => {
  it("verifies exactly the signed bytes under the signing key and nothing else", async () => {
    const key = await loadOrCreateSigningKey({ userSpace: await tempSpace() });
    const other = await loadOrCreateSigningKey({ userSpace: await tempSpace() });
    const bytes = Buffer.from("directive body\n");
    const sig = signBytes(key.privateKey, bytes);
    expect(verifyBytes(key.publicKey, bytes, sig)).toBe(true);
    expect(verifyBytes(key.publicKey, Buffer.from("directive body\r\n"), sig)).toBe(false);
    expect(verifyBytes(other.publicKey, bytes, sig)).toBe(false);
    expect(verifyBytes(key.publicKey, bytes, Buffer.alloc(3))).toBe(false);
  });

  it("trusts the own key and keys in keys/trusted, nothing else", async () => {
    const space = await tempSpace();
    const own = await loadOrCreateSigningKey({ userSpace: space });
    const friend = await loadOrCreateSigningKey({ userSpace: await tempSpace() });
    const stranger = await loadOrCreateSigningKey({ userSpace: await tempSpace() });
    await mkdir(keyPaths(space).trustedDir, { recursive: true });
    await writeFile(join(keyPaths(space).trustedDir, "friend.pub"), friend.publicKeyPem);
    const ring = await loadKeyring({ userSpace: space, ownKey: own.publicKey });
    expect(ring.get(own.keyId)?.origin).toBe("user");
    expect(ring.get(friend.keyId)?.origin).toBe("trusted-dir:friend.pub");
    expect(ring.has(stranger.keyId)).toBe(false);
  });
});
