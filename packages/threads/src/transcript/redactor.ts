import { secretsFromEnv as secretsFrom } from "@kiwi/sinks";

// The redaction engine is @kiwi/sinks' (one home for every writer: transcripts, the registry and the
// kernel's destination sinks). Re-exported here because transcripts are where most callers meet it.
export type { Redactor } from "@kiwi/sinks";
export { createRedactor, REDACTED, SecretSet } from "@kiwi/sinks";

/**
 * The values of environment variables whose name says they are secret (KEY, TOKEN, SECRET, PASSWORD,
 * CREDENTIAL, AUTH, …, any case) and whose value is at least 8 characters. Default: `process.env`.
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return secretsFrom(env);
}
