import type { z } from "zod";

type ZodIssue = z.core.$ZodIssue;

/** A message and, when one helps, a fix for one zod issue (not unrecognized_keys, handled by the caller). */
export function describeZodIssue(raw: ZodIssue): { message: string; fix?: string } {
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

/** A value as quoted in messages: strings in quotes (shortened), numbers named, collections by kind. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number") return `the number ${value}`;
  return String(value);
}
