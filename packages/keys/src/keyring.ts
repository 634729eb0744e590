import { createPublicKey, type KeyObject } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { keyIdOf } from "./key-id";
import { keyPaths } from "./signing-key";

export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Why it is trusted: "user" (own key), "trusted-dir" (a file in keys/trusted), "core" or "explicit". */
  readonly origin: string;
}

/** A set of public keys whose signatures Kiwi accepts. Lookups are by key id. */
export class Keyring {
  readonly #keys = new Map<string, TrustedKey>();

  add(publicKey: KeyObject | string, origin: string): TrustedKey {
    const key = typeof publicKey === "string" ? parsePublicKey(publicKey, origin) : publicKey;
    if (key.asymmetricKeyType !== "ed25519") {
      throw new KiwiError({
        code: "KEY_ERROR",
        message: `trusted key from ${origin} is ${key.asymmetricKeyType}: only Ed25519 keys can be trusted`,
        context: { origin },
      });
    }
    const entry: TrustedKey = { keyId: keyIdOf(key), publicKey: key, origin };
    if (!this.#keys.has(entry.keyId)) this.#keys.set(entry.keyId, entry);
    return this.#keys.get(entry.keyId)!;
  }

  get(keyId: string): TrustedKey | undefined {
    return this.#keys.get(keyId);
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  list(): TrustedKey[] {
    return [...this.#keys.values()];
  }
}

function parsePublicKey(pem: string, origin: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new KiwiError({
      code: "KEY_ERROR",
      message: `trusted key from ${origin} is not a PEM public key`,
      context: { origin },
      cause,
    });
  }
}

/**
 * Builds the keyring of a user space: its own public key plus every `*.pub` in `<userSpace>/keys/trusted/`.
 * The project is never a source of trust: a key an agent wrote into `.ai/` means nothing.
 */
export async function loadKeyring(options: {
  userSpace: string;
  ownKey?: KeyObject;
  extra?: ReadonlyArray<{ pem: string; origin: string }>;
}): Promise<Keyring> {
  const ring = new Keyring();
  const paths = keyPaths(options.userSpace);
  if (options.ownKey) ring.add(options.ownKey, "user");
  let names: string[] = [];
  try {
    names = await readdir(paths.trustedDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  for (const name of names.sort()) {
    if (!name.endsWith(".pub")) continue;
    const file = join(paths.trustedDir, name);
    ring.add(await readFile(file, "utf8"), `trusted-dir:${name}`);
  }
  for (const { pem, origin } of options.extra ?? []) ring.add(pem, origin);
  return ring;
}
