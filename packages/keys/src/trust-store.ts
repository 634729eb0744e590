import { createPublicKey, type KeyObject } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { keyIdOf } from "./key-id";
import { keyPaths } from "./signing-key";

/** A publisher key the person trusts: a `*.pub` file in `<userSpace>/keys/trusted/`. */
export interface TrustedKeyFile {
  readonly keyId: string;
  /** File name inside the trusted folder. */
  readonly file: string;
  /** Absolute path of the file. */
  readonly path: string;
}

/** The largest public key file accepted (an Ed25519 SPKI PEM is 113 bytes). */
const MAX_PEM_BYTES = 4096;

function keyError(message: string, context: Record<string, unknown> = {}): KiwiError {
  return new KiwiError({ code: "KEY_ERROR", message, context });
}

/**
 * Parses the text of a public key to trust. Refuses a private key outright (it must never be copied into
 * a trust store, and saying so protects the person who pasted the wrong file), anything that is not PEM,
 * and keys that are not Ed25519.
 */
export function parseTrustablePublicKey(text: string, from: string): KeyObject {
  if (text.length > MAX_PEM_BYTES)
    throw keyError(`${from} is not a public key (larger than ${MAX_PEM_BYTES} bytes)`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw keyError(
      `${from} is a PRIVATE key: nothing was stored. Trust the publisher's PUBLIC key (a signing.pub), and keep the private key secret`,
      { from },
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (cause) {
    throw new KiwiError({
      code: "KEY_ERROR",
      message: `${from} is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----")`,
      context: { from },
      cause,
    });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw keyError(`${from} is a ${key.asymmetricKeyType} key: only Ed25519 keys can be trusted`, { from });
  }
  return key;
}

/** The file name a key is stored under: its key id with the `:` a file name cannot always hold replaced. */
export function trustedFileName(keyId: string): string {
  return `${keyId.replace(/[^A-Za-z0-9_-]/g, "_")}.pub`;
}

/** Every key in the user space's trusted folder, by file name; files that do not parse are reported. */
export async function listTrustedKeys(
  userSpace: string,
): Promise<{ keys: TrustedKeyFile[]; problems: { file: string; message: string }[] }> {
  const dir = keyPaths(userSpace).trustedDir;
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const keys: TrustedKeyFile[] = [];
  const problems: { file: string; message: string }[] = [];
  for (const file of names.filter((n) => n.endsWith(".pub")).sort()) {
    const path = join(dir, file);
    try {
      keys.push({ keyId: keyIdOf(parseTrustablePublicKey(await readFile(path, "utf8"), path)), file, path });
    } catch (error) {
      problems.push({ file, message: (error as Error).message });
    }
  }
  return { keys, problems };
}

/**
 * Adds a public key to the user space's trusted folder (created 0700; the file is written 0644 through a
 * temporary name, so a crash never leaves half a key). Trusting a key already trusted changes nothing.
 * `expectKeyId`, when given, must match: the person checked the id with the publisher.
 */
export async function trustPublicKey(options: {
  userSpace: string;
  pem: string;
  from: string;
  expectKeyId?: string;
}): Promise<{ keyId: string; path: string; added: boolean }> {
  const key = parseTrustablePublicKey(options.pem, options.from);
  const keyId = keyIdOf(key);
  if (options.expectKeyId !== undefined && options.expectKeyId !== keyId) {
    throw keyError(
      `${options.from} holds key ${keyId}, not ${options.expectKeyId}: nothing was stored (check the key with its publisher)`,
      { key_id: keyId, expected: options.expectKeyId },
    );
  }
  const { keys } = await listTrustedKeys(options.userSpace);
  const existing = keys.find((k) => k.keyId === keyId);
  if (existing) return { keyId, path: existing.path, added: false };
  const dir = keyPaths(options.userSpace).trustedDir;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, trustedFileName(keyId));
  const temp = `${path}.${process.pid}.tmp`;
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  await writeFile(temp, pem, { mode: 0o644, flag: "wx" });
  await chmod(temp, 0o644);
  await rename(temp, path);
  return { keyId, path, added: true };
}

/**
 * Removes a trusted key by key id or by file name. Refuses to guess: no match is KEY_ERROR. The user's
 * own key (keys/signing.pub) is not in the trusted folder and cannot be removed this way.
 */
export async function removeTrustedKey(userSpace: string, which: string): Promise<TrustedKeyFile> {
  const { keys } = await listTrustedKeys(userSpace);
  const found = keys.find((k) => k.keyId === which || k.file === which);
  if (!found) {
    throw keyError(
      `no trusted key ${which} in ${keyPaths(userSpace).trustedDir} (kiwi trust --list shows them)`,
      { key: which },
    );
  }
  await unlink(found.path);
  return found;
}
