import { KiwiError } from "@kiwi/spec";
import type { CapabilityClaims } from "./capability-claims";
import { checkThread } from "./check-thread";
import { mintedClaims } from "./minted-tokens";
import { checkTokenSize, screenToken } from "./screen-token";
import { TOKEN_DEFAULTS } from "./token-defaults";
import { verifyScreened } from "./verify-screened";
import { resolveVerifySettings, type VerifierOptions, type VerifySettings } from "./verify-settings";

export interface TokenVerifierOptions extends VerifierOptions {
  /** Successful verifications kept (LRU). Default 1024; 0 turns the cache off. */
  maxEntries?: number;
}

/**
 * A verifier for one tool process: keys and settings are fixed at construction (rotate by building a
 * new verifier), which is what makes caching sound. Successful verifications are cached by the exact
 * token string and honoured only while `now < exp`; failures are never cached, so a rejected token
 * costs a full verification every time (T25). The thread check runs on every call, cached or not.
 */
export class TokenVerifier {
  readonly #settings: VerifySettings;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, CapabilityClaims>();

  constructor(options: TokenVerifierOptions) {
    const maxEntries = options.maxEntries ?? TOKEN_DEFAULTS.cacheEntries;
    if (typeof maxEntries !== "number" || !Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "token verifier option maxEntries must be a non-negative integer",
        context: { reason: "invalid_option", option: "maxEntries" },
      });
    }
    this.#settings = resolveVerifySettings(options);
    this.#maxEntries = maxEntries;
  }

  async verify(raw: unknown, options: { threadId?: string } = {}): Promise<CapabilityClaims> {
    // Size first: hashing an oversized string for the cache lookup would itself cost O(n).
    const sized = checkTokenSize(raw, this.#settings.maxTokenBytes);
    const cached = this.#cache.get(sized);
    if (cached !== undefined) {
      this.#cache.delete(sized);
      if (this.#settings.now() < cached.exp * 1000) {
        this.#cache.set(sized, cached); // re-inserted last: most recently used
        return checkThread(cached, options.threadId);
      }
    }
    const token = screenToken(sized, this.#settings.maxTokenBytes);
    // A token this process minted with a key trusted here needs no second signature check (minted-tokens.ts).
    const claims = mintedClaims(token, this.#settings) ?? (await verifyScreened(token, this.#settings));
    this.#remember(token, claims);
    return checkThread(claims, options.threadId);
  }

  #remember(token: string, claims: CapabilityClaims): void {
    // A token accepted only thanks to clock tolerance is past `exp` already: it is not worth keeping.
    if (this.#maxEntries === 0 || this.#settings.now() >= claims.exp * 1000) return;
    this.#cache.set(token, claims);
    if (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
  }
}
