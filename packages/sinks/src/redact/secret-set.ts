/** A secret handed over explicitly (an API key a host holds) shorter than this is ignored. */
export const MIN_SECRET_LENGTH = 4;

/**
 * A value taken from the environment or `.env` without anyone calling it a secret is redacted only when
 * it is at least this long and not {@link isTrivialValue}: `1`, `true` or `production` would otherwise be
 * replaced in every transcript.
 */
export const MIN_ENV_SECRET_LENGTH = 8;

const COMMON_WORDS = new Set([
  "true",
  "false",
  "yes",
  "no",
  "on",
  "off",
  "null",
  "none",
  "undefined",
  "enabled",
  "disabled",
  "development",
  "production",
  "staging",
  "localhost",
  "debug",
  "info",
  "warning",
  "error",
]);

/**
 * Values too short or too common to redact when they merely come from the environment: shorter than
 * {@link MIN_ENV_SECRET_LENGTH}, a common word (`production`, `localhost`, …) or a number shorter than 12
 * digits (ports, counts, dates).
 */
export function isTrivialValue(value: string): boolean {
  if (value.length < MIN_ENV_SECRET_LENGTH) return true;
  if (COMMON_WORDS.has(value.toLowerCase())) return true;
  return value.length < 12 && /^[+-]?\d+(?:[.,:]\d+)*$/.test(value);
}

/** The password of a URL value (`postgres://app:pw@db/app`): a secret of its own, wherever it appears. */
function urlPassword(value: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(value)) return undefined;
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The values that must never leave the process in the clear: a growing set that redactors built from it
 * follow (they recompile when `version` moves). The kernel adds every `.env` value and every value a
 * `${ENV}` template read; a host adds the keys it holds.
 */
export class SecretSet {
  readonly #values = new Set<string>();
  #version = 0;

  constructor(initial: Iterable<string> = []) {
    for (const value of initial) this.add(value);
  }

  /** Adds a secret given explicitly (at least {@link MIN_SECRET_LENGTH} characters). True when new. */
  add(value: string | undefined): boolean {
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH || this.#values.has(value))
      return false;
    this.#values.add(value);
    this.#version += 1;
    return true;
  }

  /**
   * Adds a value read from the environment or `.env`, unless it {@link isTrivialValue is trivial}; the
   * password of a URL value (`DATABASE_URL`) is added as a secret of its own.
   */
  addFromEnv(value: string | undefined): boolean {
    if (typeof value !== "string" || isTrivialValue(value)) return false;
    const password = urlPassword(value);
    const added = password !== undefined && this.add(password);
    return this.add(value) || added;
  }

  has(value: string): boolean {
    return this.#values.has(value);
  }

  /** Moves whenever a value is added. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#values.size;
  }

  values(): string[] {
    return [...this.#values];
  }
}
