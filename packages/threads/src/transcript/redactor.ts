/** What every secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Secrets shorter than this are ignored: replacing them would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/** Values of variables with these words in their NAME are taken as secrets by {@link secretsFromEnv}. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH/i;
const MIN_ENV_SECRET_LENGTH = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A function that replaces every occurrence of each secret with `[REDACTED]`, both as written and in its
 * JSON-escaped form (a secret holding `"` or `\` appears escaped inside a serialised line). Secrets shorter
 * than 4 characters are ignored. Longer secrets are matched first, so a secret that contains another is
 * replaced whole. One pass over the text, whatever the number of secrets.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  if (forms.size === 0) return (text) => text;
  const ordered = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const pattern = new RegExp(ordered.map(escapeRegExp).join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}

/**
 * The values of environment variables whose name contains KEY, TOKEN, SECRET, PASSWORD, CREDENTIAL or AUTH
 * (any case) and whose value is at least 8 characters: the secrets a transcript must never hold.
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string" && value.length >= MIN_ENV_SECRET_LENGTH && SECRET_NAME.test(name)) {
      found.add(value);
    }
  }
  return [...found];
}
