import { SecretAutomaton } from "./secret-automaton";
import { secretForms } from "./secret-forms";
import { SecretSet } from "./secret-set";

/** What every secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** The compiled forms of one version of a secret set. */
export interface SecretMatcher {
  /** Every form looked for (see `secretForms`), longest first. */
  readonly forms: readonly string[];
  /** Replaces every form in a whole text (one pass; a longer form wins where two overlap). */
  redact(text: string): string;
  /** Whether a whole text holds any form. */
  test(text: string): boolean;
  /** The streaming matcher over the same forms (for text that arrives in pieces). */
  readonly automaton: SecretAutomaton;
}

/**
 * Replaces every secret in a text by `[REDACTED]`, in every form `secretForms` lists. Built on a
 * {@link SecretSet}, it follows the set as it grows.
 */
export interface Redactor {
  (text: string): string;
  /** The matcher for the set as it is now. */
  matcher(): SecretMatcher;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compile(secrets: readonly string[]): SecretMatcher {
  const all = new Set<string>();
  for (const secret of secrets) for (const form of secretForms(secret)) all.add(form);
  const forms = [...all].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const automaton = new SecretAutomaton(forms);
  if (forms.length === 0) return { forms, automaton, redact: (text) => text, test: () => false };
  const pattern = new RegExp(forms.map(escapeRegExp).join("|"), "g");
  const probe = new RegExp(pattern.source);
  return {
    forms,
    automaton,
    redact: (text) => text.replace(pattern, REDACTED),
    test: (text) => probe.test(text),
  };
}

/**
 * A redactor over a fixed list (each secret of at least 4 characters) or a live {@link SecretSet}.
 */
export function createRedactor(secrets: readonly string[] | SecretSet): Redactor {
  // Not `instanceof`: a plugin may bring its own copy of this package.
  const set = Array.isArray(secrets) ? new SecretSet(secrets as readonly string[]) : (secrets as SecretSet);
  let version = -1;
  let current: SecretMatcher | undefined;
  const matcher = (): SecretMatcher => {
    if (!current || version !== set.version) {
      version = set.version;
      current = compile(set.values());
    }
    return current;
  };
  return Object.assign((text: string) => matcher().redact(text), { matcher });
}
