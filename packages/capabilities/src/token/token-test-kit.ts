// Test-only helpers shared by the token tests (never imported by the package entry).
import { type KeyObject, sign } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigningKey, type SigningKey } from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";
import { expect } from "vitest";
import type { CapabilityClaims } from "./capability-claims";
import { TokenVerifier } from "./token-verifier";
import type { VerificationKeys } from "./verification-keys";
import type { VerifierOptions } from "./verify-settings";
import { verifyToken } from "./verify-token";

/** 2030-01-01T00:00:00Z: a whole second, so `iat` equals FROZEN_SECONDS exactly. */
export const FROZEN_MS = Date.UTC(2030, 0, 1);
export const FROZEN_SECONDS = FROZEN_MS / 1000;

export interface TestKeys {
  readonly key: SigningKey;
  readonly foreign: SigningKey;
}

/** Real keys, created the way Kiwi creates them, in throwaway user spaces (gone once the keys are loaded). */
export async function makeKeys(): Promise<TestKeys> {
  const inThrowawaySpace = async () => {
    const userSpace = await mkdtemp(join(tmpdir(), "kiwi-token-"));
    try {
      return await loadOrCreateSigningKey({ userSpace });
    } finally {
      await rm(userSpace, { recursive: true, force: true });
    }
  };
  const [key, foreign] = await Promise.all([inThrowawaySpace(), inThrowawaySpace()]);
  return { key, foreign };
}

/** A settable clock for the `now` options. */
export function frozenClock(startMs = FROZEN_MS) {
  let current = startMs;
  return {
    now: () => current,
    set(ms: number) {
      current = ms;
    },
    advanceSeconds(seconds: number) {
      current += seconds * 1000;
    },
  };
}

/** Claims of a well-formed token issued at `FROZEN_SECONDS`; tests override or delete single claims. */
export function baseClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    caps: [{ cap: "fs.read", scope: "src/**" }],
    aud: "kiwi-tools",
    iss: "kiwi-harness",
    exp: FROZEN_SECONDS + 900,
    iat: FROZEN_SECONDS,
    nbf: FROZEN_SECONDS,
    jti: "AAAAAAAAAAAAAAAAAAAAAA",
    directive_id: "demo/hello",
    thread_id: "thread-a",
    parent_jti: null,
    ...overrides,
  };
}

export function b64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString("base64url");
}

/**
 * Builds a compact JWS by hand, so tests can sign what jose's SignJWT would refuse to produce (odd
 * payloads, arbitrary headers). `payload` is taken verbatim when it is a string.
 */
export function signRaw(options: {
  header: Record<string, unknown>;
  payload: unknown;
  privateKey: KeyObject;
}): string {
  const payload = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  const input = `${b64url(JSON.stringify(options.header))}.${b64url(payload)}`;
  return `${input}.${b64url(sign(null, Buffer.from(input), options.privateKey))}`;
}

/** A normal Kiwi header for `key`, with overrides (set a field to undefined to drop it). */
export function header(key: SigningKey, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: "EdDSA", typ: "kiwi-cap+jwt", kid: key.keyId, ...overrides };
}

/** Awaits a rejection and checks it is a KiwiError with this code and reason; returns it. */
export async function rejection(
  promise: Promise<unknown>,
  expected: { code?: string; reason: string; claim?: string },
): Promise<KiwiError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(KiwiError.isInstance(caught), `expected a KiwiError, got ${String(caught)}`).toBe(true);
  const error = caught as KiwiError;
  expect({ code: error.code, reason: error.context.reason }).toEqual({
    code: expected.code ?? "TOKEN_INVALID",
    reason: expected.reason,
  });
  if (expected.claim !== undefined) expect(error.context.claim).toBe(expected.claim);
  return error;
}

export type Check = (raw: unknown, threadId?: string) => Promise<CapabilityClaims>;
export type MakeCheck = (extra?: Partial<VerifierOptions>) => Check;

/**
 * Both ways into verification, so every hostile case runs through the one-shot function and through
 * the caching verifier. `keys` is a getter because keys are created in `beforeAll`.
 */
export function verificationPaths(keys: () => VerificationKeys, now: () => number): [string, MakeCheck][] {
  return [
    [
      "verifyToken",
      (extra = {}) =>
        (raw, threadId) =>
          verifyToken(raw, { keys: keys(), now, ...extra, threadId }),
    ],
    [
      "TokenVerifier",
      (extra = {}) => {
        const verifier = new TokenVerifier({ keys: keys(), now, ...extra });
        return (raw, threadId) => verifier.verify(raw, { threadId });
      },
    ],
  ];
}
