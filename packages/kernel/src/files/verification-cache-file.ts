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
/** A bigger file is ignored (and replaced on the next save). */
const MAX_CACHE_FILE_BYTES = 256 * 1024 * 1024;

export interface VerificationCacheFileOptions {
  readonly userSpace: string;
  /** HMAC key (derived from the user's signing key). */
  readonly key: Uint8Array;
  /** Format, kernel version and parser limits: a file written under another tag is ignored. */
  readonly tag: string;
}

async function readEntries(
  options: VerificationCacheFileOptions,
): Promise<VerificationCacheEntry[] | undefined> {
  const file = join(options.userSpace, VERIFICATION_CACHE_FILE);
  try {
    const bytes = await readCapped(file, MAX_CACHE_FILE_BYTES, file);
    return openVerificationCache(bytes, options.key, options.tag);
  } catch {
    return undefined; // missing, unreadable, a link, too big: start empty
  }
}

/**
 * Loads the verification cache of a user space. Never fails: a missing, unreadable, corrupt, foreign or
 * forged file gives an empty cache, and every item is then verified in full.
 */
export async function loadVerificationCache(
  options: VerificationCacheFileOptions,
): Promise<VerificationCache> {
  return new VerificationCache((await readEntries(options)) ?? []);
}

/**
 * Writes the cache when it changed: entries other kernels saved for folders this one does not list are
 * kept. The write is atomic (@kiwi/sandbox: temp file, fsync, rename) and the file is private (0600).
 * Never fails: the cache only saves time, so a user space that cannot take it is simply not used.
 */
export async function saveVerificationCache(
  cache: VerificationCache,
  options: VerificationCacheFileOptions & { readonly roots: readonly string[] },
): Promise<void> {
  if (!cache.dirty) return;
  try {
    const others = (await readEntries(options)) ?? [];
    const bytes = sealVerificationCache(cache.snapshot(options.roots, others), options.key, options.tag);
    cache.saved();
    await writeFileInRoot({
      root: options.userSpace,
      rel: VERIFICATION_CACHE_FILE,
      bytes,
      createParents: true,
      replaceLink: true,
      mode: 0o600,
    });
  } catch {
    // A read-only or full user space: keep working without the cache.
  }
}
