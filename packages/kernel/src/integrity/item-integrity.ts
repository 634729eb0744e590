import type { KeyObject } from "node:crypto";
import { createHash } from "node:crypto";
import { type Keyring, type SigningKey, signBytes, verifyBytes } from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";
import type { SplitResult } from "./signature-line";
import { type SignedPayload, signedMessage, signedMessageParts } from "./signed-message";

export interface VerifiedSignature {
  readonly keyId: string;
  readonly signedAt: string;
  /** Why the key is trusted ("user", "core", "trusted-dir:<file>"). */
  readonly signerOrigin: string;
}

/**
 * What a successful check proves, independent of trust: this signature over this exact signed message
 * verifies under this public key. Recorded by the verification cache; whether the key is trusted is
 * asked of the keyring every time.
 */
export interface VerificationFact {
  /** `<signature>:<SHA-256 of the signed message, base64url>` */
  readonly message: string;
  /** SHA-256 (base64url) of the signer's public key, SPKI-encoded. */
  readonly publicKey: string;
}

export interface VerifyOptions {
  file: string;
  split: SplitResult;
  payload: SignedPayload;
  signHint: string;
  /** For items that cannot be re-signed where they are (a plugin package's): what to do instead. */
  trustHint?: string;
  /** A fact recorded earlier (the verification cache): when it is about this very message and key, the Ed25519 check is skipped. */
  known?: VerificationFact;
}

function mismatch(file: string, reason: string, message: string, extra: Record<string, unknown> = {}) {
  return new KiwiError({ code: "INTEGRITY_MISMATCH", message, context: { file, reason, ...extra } });
}

/**
 * Verifies Ed25519 signatures of items against a keyring. Successful verifications are remembered by
 * the exact signed message (its SHA-256), so re-reading an unchanged file costs a hash, not a verify.
 * Failures are never cached.
 */
export class IntegrityVerifier {
  readonly #keyring: Keyring;
  readonly #verified = new Map<string, { signature: VerifiedSignature; fact: VerificationFact }>();
  readonly #fingerprints = new WeakMap<KeyObject, string>();
  readonly #maxEntries: number;

  constructor(keyring: Keyring, maxEntries = 8192) {
    this.#keyring = keyring;
    this.#maxEntries = maxEntries;
  }

  get keyring(): Keyring {
    return this.#keyring;
  }

  /**
   * The checks that need no parsing: a signature line exists, is well formed and names a trusted key.
   * Run before parsing so untrusted bytes meet the parser only when someone trusted signed them.
   */
  precheck(options: { file: string; split: SplitResult; signHint: string; trustHint?: string }) {
    const { file, split, signHint, trustHint } = options;
    if (split.kind === "unsigned") {
      throw mismatch(file, "unsigned", `${file} is not signed: review it, then sign it with ${signHint}`);
    }
    if (split.kind === "malformed") {
      throw mismatch(file, "malformed_signature", `${file}: ${split.reason}; re-sign it with ${signHint}`);
    }
    const trusted = this.#keyring.get(split.line.keyId);
    if (!trusted) {
      const keyId = split.line.keyId;
      throw mismatch(
        file,
        "untrusted_signer",
        trustHint
          ? `${file} is signed by key ${keyId}, which this machine does not trust; a package's items cannot be re-signed in place: ${trustHint} (key ${keyId})`
          : `${file} is signed by key ${keyId}, which this machine does not trust: review it and re-sign it with ${signHint}, or trust its signer with \`kiwi trust <public key file>\``,
        { key_id: keyId },
      );
    }
    return { line: split.line, trusted };
  }

  verify(options: VerifyOptions): VerifiedSignature {
    return this.check(options).signature;
  }

  /** Like `verify`, and also returns the fact the check established (for the verification cache). */
  check(options: VerifyOptions): { signature: VerifiedSignature; fact: VerificationFact } {
    const { file, payload, signHint, known } = options;
    const { line, trusted } = this.precheck(options);
    const { keyId, signedAt, signature } = line;
    const parts = signedMessageParts(payload, keyId, signedAt);
    const hash = createHash("sha256");
    for (const part of parts) hash.update(part);
    const cacheKey = `${signature}:${hash.digest("base64url")}`;
    const cached = this.#verified.get(cacheKey);
    if (cached) return cached;
    const fact: VerificationFact = { message: cacheKey, publicKey: this.#fingerprint(trusted.publicKey) };
    const proven = known?.message === fact.message && known.publicKey === fact.publicKey;
    if (
      !proven &&
      !verifyBytes(trusted.publicKey, Buffer.concat(parts), Buffer.from(signature, "base64url"))
    ) {
      throw mismatch(
        file,
        "modified",
        `${file} changed after it was signed (or its signature was forged): review the change, then re-sign it with ${signHint}`,
        { key_id: keyId, signed_at: signedAt },
      );
    }
    const result = { signature: { keyId, signedAt, signerOrigin: trusted.origin }, fact };
    if (proven) return result; // the caller's cache already holds this fact
    if (this.#verified.size >= this.#maxEntries) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(cacheKey, result);
    return result;
  }

  #fingerprint(publicKey: KeyObject): string {
    let fp = this.#fingerprints.get(publicKey);
    if (fp === undefined) {
      fp = createHash("sha256")
        .update(publicKey.export({ format: "der", type: "spki" }))
        .digest("base64url");
      this.#fingerprints.set(publicKey, fp);
    }
    return fp;
  }
}

/** Signs a payload: returns the signature line fields. */
export function signPayload(payload: SignedPayload, key: SigningKey, now: Date) {
  const signedAt = `${now.toISOString().slice(0, 19)}Z`;
  const signature = signBytes(key.privateKey, signedMessage(payload, key.keyId, signedAt)).toString(
    "base64url",
  );
  return { keyId: key.keyId, signedAt, signature };
}
