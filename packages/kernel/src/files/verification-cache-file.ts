import { lstatSync } from "node:fs";
import { join } from "node:path";
import { writeFileInRoot } from "@kiwi/sandbox";
import {
  openVerificationCache,
  sealVerificationCache,
  VerificationCache,
  type VerificationCacheEntry,
} from "../library/verification-cache";
import { readCapped } from "../spaces/directory-space";

/** Where the cache lives inside the user space. */
export const VERIFICATION_CACHE_FILE = "cache/verified-items.bin";
/** Saves after refreshes are at least this far apart. */
const SAVE_INTERVAL_MS = 1000;
/** A bigger file is ignored (and replaced on the next save). */
const MAX_CACHE_FILE_BYTES = 256 * 1024 * 1024;

export interface VerificationCacheFileOptions {
  readonly userSpace: string;
  /** HMAC key (derived from the user's signing key). */
  readonly key: Uint8Array;
  /** Format, kernel version and parser limits: a file written under another tag is ignored. */
  readonly tag: string;
}

function identityOf(file: string): string | undefined {
  try {
    const st = lstatSync(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * The verification cache file of a user space. Loading and saving never fail: a missing, unreadable,
 * corrupt, foreign or forged file gives an empty cache (every item is then verified in full), and a user
 * space that cannot take the file is simply not used.
 */
export class VerificationCacheFile {
  readonly #options: VerificationCacheFileOptions;
  readonly #file: string;
  /** The file's identity when this process last read or wrote it, and what it then held. */
  #identity: string | undefined;
  #entries: readonly VerificationCacheEntry[] = [];
  #lastSave = Number.NEGATIVE_INFINITY;
  #saving: Promise<void> = Promise.resolve();

  constructor(options: VerificationCacheFileOptions) {
    this.#options = options;
    this.#file = join(options.userSpace, VERIFICATION_CACHE_FILE);
  }

  async #read(): Promise<readonly VerificationCacheEntry[]> {
    const identity = identityOf(this.#file);
    if (identity !== undefined && identity === this.#identity) return this.#entries;
    let entries: VerificationCacheEntry[] | undefined;
    try {
      const bytes = await readCapped(this.#file, MAX_CACHE_FILE_BYTES, this.#file);
      entries = openVerificationCache(bytes, this.#options.key, this.#options.tag);
    } catch {
      entries = undefined; // missing, unreadable, a link, too big
    }
    this.#identity = identity;
    this.#entries = entries ?? [];
    return this.#entries;
  }

  async load(): Promise<VerificationCache> {
    return new VerificationCache(await this.#read());
  }

  /**
   * `save`, at most once a second: a burst of refreshes (signing a thousand directives refreshes the index
   * after each one) writes the file once, and whatever is left is written by the first refresh after
   * the second has passed, or by the next `save`. Unsaved entries only cost the next start some time.
   */
  saveIfDue(cache: VerificationCache, roots: readonly string[]): Promise<void> {
    if (performance.now() - this.#lastSave < SAVE_INTERVAL_MS) return Promise.resolve();
    return this.save(cache, roots);
  }

  /**
   * Writes the cache when it changed, keeping the entries other kernels saved for folders outside
   * `roots` (re-read only when the file changed since this process last saw it). The write is atomic
   * (@kiwi/sandbox: temp file, fsync, rename) and the file is private (0600). One save at a time.
   */
  save(cache: VerificationCache, roots: readonly string[]): Promise<void> {
    this.#saving = this.#saving.then(() => this.#save(cache, roots));
    return this.#saving;
  }

  async #save(cache: VerificationCache, roots: readonly string[]): Promise<void> {
    if (!cache.dirty) return;
    this.#lastSave = performance.now();
    try {
      const entries = cache.snapshot(roots, await this.#read());
      const bytes = sealVerificationCache(entries, this.#options.key, this.#options.tag);
      cache.saved();
      await writeFileInRoot({
        root: this.#options.userSpace,
        rel: VERIFICATION_CACHE_FILE,
        bytes,
        createParents: true,
        replaceLink: true,
        mode: 0o600,
      });
      this.#identity = identityOf(this.#file);
      this.#entries = entries;
    } catch {
      // A read-only or full user space: keep working without the cache.
    }
  }
}
