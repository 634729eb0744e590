const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Element text as a number when it is written as one. Anything else is returned unchanged, so the schema
 * reports it with the offending text ("expected a number, got \"abc\"") instead of it becoming NaN.
 */
export function numberValue(text: string): number | string {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : text;
}

/** "true"/"false" as booleans; anything else unchanged for the schema to report. */
export function booleanValue(text: string | undefined): boolean | string | undefined {
  if (text === "true") return true;
  if (text === "false") return false;
  return text;
}

/** "a, b ,c" → ["a", "b", "c"]; an empty element is an empty list. */
export function listValue(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
