import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { chmod, link, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { keyIdOf } from "./key-id";

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI PEM of the public key, for keyrings and for tools that only verify. */
  readonly publicKeyPem: string;
}

export interface KeyPaths {
  readonly dir: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly trustedDir: string;
}

/** Where the key pair of a user space lives: `<userSpace>/keys/signing.key` (0600) and `signing.pub`. */
export function keyPaths(userSpace: string): KeyPaths {
  const dir = join(userSpace, "keys");
  return {
    dir,
    privateKey: join(dir, "signing.key"),
    publicKey: join(dir, "signing.pub"),
    trustedDir: join(dir, "trusted"),
  };
}

function fromPrivatePem(pem: string, file: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (cause) {
    throw new KiwiError({
      code: "KEY_ERROR",
      message: `the signing key at ${file} is not a readable PEM private key: restore it or delete it to create a new one (items signed with the old key must then be re-signed)`,
      context: { file },
      cause,
    });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new KiwiError({
      code: "KEY_ERROR",
      message: `the signing key at ${file} is ${privateKey.asymmetricKeyType}, Kiwi signs with Ed25519 only`,
      context: { file },
    });
  }
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

async function readExisting(paths: KeyPaths): Promise<SigningKey | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(paths.privateKey);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
    throw new KiwiError({
      code: "KEY_ERROR",
      message: `the signing key at ${paths.privateKey} is readable by other users (mode ${(info.mode & 0o777).toString(8)}): run chmod 600 on it`,
      context: { file: paths.privateKey },
    });
  }
  return fromPrivatePem(await readFile(paths.privateKey, "utf8"), paths.privateKey);
}

/**
 * Returns the user space's Ed25519 signing key, creating it on first use: the private key is written
 * with mode 0600 (written in full, then linked into place, so processes racing all end up with the same, complete key), the public
 * key beside it. The same key signs items and capability tokens.
 */
export async function loadOrCreateSigningKey(options: { userSpace: string }): Promise<SigningKey> {
  const paths = keyPaths(options.userSpace);
  const existing = await readExisting(paths);
  if (existing) return existing;
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  // Write the whole key to a private temp file, then link it into place: link() fails with EEXIST when
  // another process won the race, and the winner's file is always complete when it appears.
  const temp = `${paths.privateKey}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, paths.privateKey);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const raced = await readExisting(paths);
    if (raced) return raced;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  await chmod(paths.privateKey, 0o600);
  const key = fromPrivatePem(pem, paths.privateKey);
  const pubHandle = await open(paths.publicKey, "w", 0o644);
  try {
    await pubHandle.writeFile(key.publicKeyPem);
  } finally {
    await pubHandle.close();
  }
  return key;
}
