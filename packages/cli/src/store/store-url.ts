import { Writable } from "node:stream";
import { KiwiError } from "@kiwi/spec";
import type { Io } from "../io";

/** The thread store option every `kiwi thread`/`threads`/`worker` command accepts. */
export const storeOption = { store: { type: "string" } } as const;

/**
 * The thread store URL a command works on: `--store`, else `KIWI_STORE`, else none (the project's
 * embedded SQLite registry). Only PostgreSQL URLs are stores; anything else is INVALID_INPUT, whose
 * message never repeats the URL (it may hold a password).
 */
export function storeUrlOf(flags: { store?: string }, io: Io): string | undefined {
  const raw = flags.store ?? io.env.KIWI_STORE;
  if (raw === undefined || raw === "") {
    if (flags.store === "")
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "--store needs a URL: postgres://user:password@host:5432/database",
        context: {},
      });
    return undefined;
  }
  if (!/^postgres(ql)?:\/\//i.test(raw)) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `the thread store ${flags.store !== undefined ? "of --store" : "in KIWI_STORE"} is not one Kiwi knows: use a PostgreSQL URL, postgres://user:password@host:5432/database (the value is not repeated here, it may hold a password)`,
      context: {},
    });
  }
  return raw;
}

/** The pieces of a store URL that must never be shown: the URL, its user and password (raw, decoded, JSON-escaped). */
export function storeSecrets(url: string): string[] {
  const found = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    // A user named like the scheme (`postgres`) would blank the word in every location shown; the
    // URL form `postgres://postgres:…@` still goes with the whole URL and the password.
    const user = /^postgres(ql)?$/i.test(parsed.username) ? "" : parsed.username;
    for (const raw of [user, parsed.password]) {
      if (!raw) continue;
      found.add(raw);
      try {
        found.add(decodeURIComponent(raw));
      } catch {
        // not percent-encoded
      }
    }
  } catch {
    // not a URL: the whole text is the secret
  }
  for (const s of [...found]) found.add(JSON.stringify(s).slice(1, -1));
  // A one-letter user name would blank every such letter: the URL itself still goes.
  return [...found].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/**
 * An Io whose stdout and stderr never show the store URL's credentials, whatever writes to them (a last
 * line of defence: the store's own errors already name it `postgres://host/db` only). The URL is taken
 * from the raw arguments (`--store x`, `--store=x`) and KIWI_STORE, before any parsing can fail.
 */
export function withStoreSecretsHidden(args: readonly string[], io: Io): Io {
  const urls: string[] = [];
  args.forEach((arg, i) => {
    if (arg === "--store" && args[i + 1] !== undefined) urls.push(args[i + 1]!);
    else if (arg.startsWith("--store=")) urls.push(arg.slice("--store=".length));
  });
  if (io.env.KIWI_STORE) urls.push(io.env.KIWI_STORE);
  const secrets = [...new Set(urls.filter((u) => u.length > 0).flatMap(storeSecrets))];
  if (secrets.length === 0) return io;
  // The URLs go wherever they appear; a user or password only as a whole word (not inside a longer
  // name: a password "kiwi" must not blank "hello_kiwi").
  const whole = new Set(urls.flatMap((u) => storeSecrets(u).filter((s) => !s.includes("://"))));
  const hide = (text: string) =>
    secrets.reduce((out, secret) => replaceAll(out, secret, whole.has(secret)), text);
  return { ...io, stdout: hiding(io.stdout, hide), stderr: hiding(io.stderr, hide) };
}

function hiding(target: Io["stdout"], hide: (text: string) => string): Io["stdout"] {
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      target.write(hide(chunk.toString()));
      done();
    },
  });
  // Displays ask the real stream whether it is a terminal and how wide.
  const tty = target as { isTTY?: boolean; columns?: number };
  Object.defineProperty(out, "isTTY", { get: () => tty.isTTY });
  Object.defineProperty(out, "columns", { get: () => tty.columns });
  return out;
}

const WORD = /[A-Za-z0-9_]/;

/** `text` with `secret` replaced by [REDACTED] (only where it is not part of a longer word, if `word`). */
function replaceAll(text: string, secret: string, word: boolean): string {
  let out = "";
  let from = 0;
  for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
    const end = at + secret.length;
    if (at < from) continue;
    if (word && (WORD.test(text[at - 1] ?? "") || WORD.test(text[end] ?? ""))) continue;
    out += `${text.slice(from, at)}[REDACTED]`;
    from = end;
  }
  return out + text.slice(from);
}
