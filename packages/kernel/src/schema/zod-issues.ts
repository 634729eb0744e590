import type { z } from "zod";
import { type Issue, issue } from "../diagnostics";
import { closestName } from "./closest-name";
import { describeZodIssue } from "./describe-zod-issue";
import { formatPath } from "./format-path";
import { schemaKeysAt } from "./schema-keys-at";

export interface ZodIssuesOptions {
  file: string;
  /** The schema that produced the error; lets unknown-key issues suggest the field that was meant. */
  schema?: z.ZodType;
  /**
   * Fixes for particular fields, keyed by field path with `[]` for any index and `*` for any one
   * segment: `"parameters[].type"`, `"actions.*.requires"`. They replace the generic fix.
   */
  fixes?: Readonly<Record<string, string>>;
  /** Advice for unknown keys by name, e.g. `{ stream: "move it under config:" }`. */
  unknownKeyHints?: Readonly<Record<string, string>>;
  /** Prepended to every field path ("front_matter."). */
  fieldPrefix?: string;
}

/**
 * Turns a zod error into Kiwi issues: one per problem (one per unknown key), each naming the field as a
 * readable path (`parameters[2].type`), saying what was found, and saying what to write instead.
 * zod must have been run with `reportInput: true` so messages can quote the offending value.
 */
export function zodIssues(error: z.ZodError, opts: ZodIssuesOptions): Issue[] {
  const out: Issue[] = [];
  for (const raw of error.issues) {
    if (raw.code === "unrecognized_keys") {
      const known = opts.schema ? schemaKeysAt(opts.schema, raw.path) : [];
      for (const key of raw.keys) {
        const field = formatPath([...raw.path, key], opts.fieldPrefix);
        // Own keys only: an unknown key named "toString" must not pick up Object.prototype.toString.
        const hints = opts.unknownKeyHints;
        const hint = hints && Object.hasOwn(hints, key) ? hints[key] : undefined;
        const near = closestName(key, known);
        const fix =
          hint ?? (near ? `did you mean "${near}"? Otherwise remove it` : allowedKeysFix(known, "remove it"));
        out.push(
          issue(opts.file, field, `unknown field "${key}" (unknown fields are refused, never ignored)`, fix),
        );
      }
      continue;
    }
    const field = formatPath(raw.path, opts.fieldPrefix);
    const { message, fix } = describeZodIssue(raw);
    const override = raw.code === "custom" ? undefined : lookupFix(opts.fixes, raw.path);
    out.push(issue(opts.file, field, message, override ?? fix));
  }
  return out;
}

function allowedKeysFix(known: readonly string[], base: string): string {
  return known.length > 0 ? `${base}; allowed fields: ${known.join(", ")}` : base;
}

function lookupFix(
  fixes: Readonly<Record<string, string>> | undefined,
  path: readonly PropertyKey[],
): string | undefined {
  if (!fixes) return undefined;
  const segments = path.map((s) => (typeof s === "number" ? "[]" : String(s)));
  const matches = (pattern: string, wildcards: boolean) => {
    const wanted = pattern.split(/\.|(?=\[\])/);
    return (
      wanted.length === segments.length &&
      wanted.every((w, i) => w === segments[i] || (wildcards && w === "*"))
    );
  };
  // An exact pattern wins over a wildcard one, whatever their order in the map.
  const entries = Object.entries(fixes);
  return (entries.find(([p]) => matches(p, false)) ?? entries.find(([p]) => matches(p, true)))?.[1];
}
