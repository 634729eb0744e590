import { createHash } from "node:crypto";
import { type Keyring, type SigningKey, signBytes, verifyBytes } from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";
import type { SplitResult } from "./signature-line";
import { type SignedPayload, signedMessage } from "./signed-message";

export interface VerifiedSignature {
  readonly keyId: string;
  readonly signedAt: string;
  /** Why the key is trusted ("user", "core", "trusted-dir:<file>"). */
  readonly signerOrigin: string;
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
  readonly #verified = new Map<string, VerifiedSignature>();
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
  precheck(options: { file: string; split: SplitResult; signHint: string }) {
    const { file, split, signHint } = options;
    if (split.kind === "unsigned") {
      throw mismatch(file, "unsigned", `${file} is not signed: review it, then sign it with ${signHint}`);
    }
    if (split.kind === "malformed") {
      throw mismatch(file, "malformed_signature", `${file}: ${split.reason}; re-sign it with ${signHint}`);
    }
    const trusted = this.#keyring.get(split.line.keyId);
    if (!trusted) {
      throw mismatch(
        file,
        "untrusted_signer",
        `${file} is signed by key ${split.line.keyId}, which this machine does not trust: review it and re-sign it with ${signHint}, or add the signer's public key to <user space>/keys/trusted/`,
        { key_id: split.line.keyId },
      );
    }
    return { line: split.line, trusted };
  }

  verify(options: { file: string; split: SplitResult; payload: SignedPayload; signHint: string }) {
    const { file, payload, signHint } = options;
    const { line, trusted } = this.precheck(options);
    const { keyId, signedAt, signature } = line;
    const message = signedMessage(payload, keyId, signedAt);
    const cacheKey = `${signature}:${createHash("sha256").update(message).digest("base64url")}`;
    const cached = this.#verified.get(cacheKey);
    if (cached) return cached;
    if (!verifyBytes(trusted.publicKey, message, Buffer.from(signature, "base64url"))) {
      throw mismatch(
        file,
        "modified",
        `${file} changed after it was signed (or its signature was forged): review the change, then re-sign it with ${signHint}`,
        { key_id: keyId, signed_at: signedAt },
      );
    }
    const result: VerifiedSignature = { keyId, signedAt, signerOrigin: trusted.origin };
    if (this.#verified.size >= this.#maxEntries) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(cacheKey, result);
    return result;
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
