import type { KeyObject } from "node:crypto";
import { KiwiError } from "@kiwi/spec";
import { TOKEN_DEFAULTS } from "./token-defaults";
import { toVerificationKeys, type VerificationKeys } from "./verification-keys";

/** Options shared by `verifyToken` and `TokenVerifier`. */
export interface VerifierOptions {
  keys: VerificationKeys;
  /** Default "kiwi-tools". */
  audience?: string;
  /** Default "kiwi-harness". */
  issuer?: string;
  /** Default 5, at most 300. */
  clockToleranceSeconds?: number;
  /** Milliseconds since the epoch; injectable so tests freeze the clock. */
  now?: () => number;
  /** Default 8192, at most 65536. Checked before any decoding. */
  maxTokenBytes?: number;
}

export interface VerifySettings {
  readonly keys: ReadonlyMap<string, KeyObject>;
  readonly audience: string;
  readonly issuer: string;
  readonly clockToleranceSeconds: number;
  readonly maxTokenBytes: number;
  readonly now: () => number;
}

const MAX_TOLERANCE_SECONDS = 300;
const MAX_TOKEN_BYTES_LIMIT = 65_536;

/** Validates verifier options once; a misconfigured verifier refuses to exist rather than verify loosely. */
export function resolveVerifySettings(options: VerifierOptions): VerifySettings {
  const tolerance = options.clockToleranceSeconds ?? TOKEN_DEFAULTS.clockToleranceSeconds;
  const maxTokenBytes = options.maxTokenBytes ?? TOKEN_DEFAULTS.maxTokenBytes;
  if (!isIntegerIn(tolerance, 0, MAX_TOLERANCE_SECONDS)) {
    throw invalidOption("clockToleranceSeconds", `an integer from 0 to ${MAX_TOLERANCE_SECONDS}`);
  }
  if (!isIntegerIn(maxTokenBytes, 1, MAX_TOKEN_BYTES_LIMIT)) {
    throw invalidOption("maxTokenBytes", `an integer from 1 to ${MAX_TOKEN_BYTES_LIMIT}`);
  }
  if (options.now !== undefined && typeof options.now !== "function") {
    throw invalidOption("now", "a function returning epoch milliseconds");
  }
  return {
    keys: toVerificationKeys(options.keys),
    audience: nonEmpty("audience", options.audience ?? TOKEN_DEFAULTS.audience),
    issuer: nonEmpty("issuer", options.issuer ?? TOKEN_DEFAULTS.issuer),
    clockToleranceSeconds: tolerance,
    maxTokenBytes,
    now: options.now ?? Date.now,
  };
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max;
}

function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw invalidOption(option, "a non-empty string");
  return value;
}

function invalidOption(option: string, expected: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `token verifier option ${option} must be ${expected}`,
    context: { reason: "invalid_option", option },
  });
}
