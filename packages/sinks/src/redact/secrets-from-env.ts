import { MIN_ENV_SECRET_LENGTH } from "./secret-set";

/** Values of variables with these words in their NAME are secrets wherever they are used. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE/i;

/**
 * The values of environment variables whose name says they are secret (KEY, TOKEN, SECRET, PASSWORD,
 * PASSWD, CREDENTIAL, AUTH, PRIVATE, SESSION or COOKIE, any case), at least
 * {@link MIN_ENV_SECRET_LENGTH} characters long: redacted even when no template read them.
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string" && value.length >= MIN_ENV_SECRET_LENGTH && SECRET_NAME.test(name)) {
      found.add(value);
    }
  }
  return [...found];
}
