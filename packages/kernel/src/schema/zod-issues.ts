import type { z } from "zod";
import { type Issue, issue } from "../diagnostics";
import { closestName } from "./closest-name";
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

type ZodIssue = z.core.$ZodIssue;
type Message = { message: string; fix?: string };

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
        const hint = opts.unknownKeyHints?.[key];
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
    const { message, fix } = describeIssue(raw);
    const override = raw.code === "custom" ? undefined : lookupFix(opts.fixes, raw.path);
    out.push(issue(opts.file, field, message, override ?? fix));
  }
  return out;
}

function describeIssue(raw: ZodIssue): Message {
  const input = (raw as { input?: unknown }).input;
  const missing = !("input" in raw) || input === undefined;
  const key = String(raw.path[raw.path.length - 1] ?? "value");
  switch (raw.code) {
    case "invalid_type": {
      if (missing)
        return { message: "missing required field", fix: `add ${key} (${typeName(raw.expected)})` };
      return {
        message: `expected ${typeName(raw.expected)}, got ${show(input)}`,
        fix: typeFix(key, raw.expected, input),
      };
    }
    case "invalid_value": {
      const allowed = raw.values.map((v) => String(v)).join(", ");
      if (missing) return { message: "missing required field", fix: `add ${key}: one of ${allowed}` };
      return { message: `${show(input)} is not allowed`, fix: `use one of: ${allowed}` };
    }
    case "invalid_union":
      if (missing) return { message: "missing required field" };
      return { message: `${customOr(raw.message, "does not match any allowed form")}; got ${show(input)}` };
    case "too_small":
    case "too_big":
      return { message: sizeMessage(raw) };
    case "invalid_format":
      return { message: `${show(input)} ${customOr(raw.message, `is not a valid ${raw.format}`)}` };
    case "custom": {
      const fix = (raw.params as { fix?: unknown } | undefined)?.fix;
      const message = typeof input === "string" ? `${show(input)}: ${raw.message}` : raw.message;
      return typeof fix === "string" ? { message, fix } : { message };
    }
    default:
      return { message: raw.message };
  }
}

function sizeMessage(raw: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = raw.code === "too_small";
  const limit = Number(small ? raw.minimum : (raw as z.core.$ZodIssueTooBig).maximum);
  if (raw.origin === "string")
    return small && limit === 1
      ? "must not be empty"
      : `must be ${small ? "at least" : "at most"} ${limit} characters`;
  if (raw.origin === "array" || raw.origin === "set") {
    return small && limit === 1
      ? "must list at least one item"
      : `must have ${small ? "at least" : "at most"} ${limit} items`;
  }
  const bound = small
    ? raw.inclusive
      ? "at least"
      : "greater than"
    : raw.inclusive
      ? "at most"
      : "less than";
  return `must be ${bound} ${limit}, got ${show((raw as { input?: unknown }).input)}`;
}

function typeFix(key: string, expected: string, input: unknown): string | undefined {
  if (expected === "string" && key === "version") return 'quote the version: version: "1.0.0"';
  if (expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
    return `quote it to make it text: ${key}: "${String(input)}"`;
  }
  if (expected === "boolean" && typeof input === "string")
    return `write true or false (YAML 1.2 reads "${input}" as text)`;
  if (
    (expected === "number" || expected === "int") &&
    typeof input === "string" &&
    input.trim() !== "" &&
    Number.isFinite(Number(input))
  ) {
    return `write the number without quotes: ${input}`;
  }
  if (expected === "array" && typeof input === "string") return `write a list: ${key}: [${input}]`;
  return `write ${typeName(expected)}`;
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping (key: value pairs)",
    record: "a mapping (key: value pairs)",
    never: "nothing (remove it)",
  };
  return names[expected] ?? expected;
}

/** zod's own default messages start with "Invalid"/"Too"; a schema's custom message does not. */
function customOr(message: string, fallback: string): string {
  return /^(Invalid|Too )/.test(message) ? fallback : message;
}

function allowedKeysFix(known: readonly string[], base: string): string {
  return known.length > 0 ? `${base}; allowed fields: ${known.join(", ")}` : base;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number") return `the number ${value}`;
  return String(value);
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
      wanted.length === segments.length && wanted.every((w, i) => w === segments[i] || (wildcards && w === "*"))
    );
  };
  // An exact pattern wins over a wildcard one, whatever their order in the map.
  const entries = Object.entries(fixes);
  return (entries.find(([p]) => matches(p, false)) ?? entries.find(([p]) => matches(p, true)))?.[1];
}
