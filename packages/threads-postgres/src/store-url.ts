import { KiwiError } from "@kiwi/spec";

/** A store URL, parsed: where it points (safe to show) and the secrets to keep out of every message. */
export interface StoreUrl {
  /** `postgres://host:port/database`: no user, no password, no parameters. */
  readonly location: string;
  /** The user, password and whole URL (and their URL-encoded forms): scrubbed from any text shown. */
  readonly secrets: readonly string[];
}

/**
 * Parses a PostgreSQL URL. INVALID_INPUT when it is not one; the message never repeats the URL (it may
 * hold a password).
 */
export function parseStoreUrl(url: unknown): StoreUrl {
  let parsed: URL | undefined;
  if (typeof url === "string") {
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
  }
  if (!parsed || (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message:
        "the thread store URL is not a PostgreSQL URL: use postgres://user:password@host:5432/database (the URL is not repeated here, it may hold a password)",
      context: {},
    });
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default)";
  const host = parsed.host || "localhost";
  const secrets = new Set<string>();
  for (const raw of [parsed.username, parsed.password]) {
    if (!raw) continue;
    secrets.add(raw);
    secrets.add(safeDecode(raw));
  }
  if (typeof url === "string") secrets.add(url);
  return { location: `postgres://${host}/${database}`, secrets: [...secrets].filter((s) => s.length > 0) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with every secret replaced by `[REDACTED]` (longest first, so a URL goes before its password). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0) out = out.split(secret).join("[REDACTED]");
  }
  return out;
}
