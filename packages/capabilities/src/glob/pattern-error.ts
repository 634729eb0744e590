import { KiwiError } from "@kiwi/spec";

export type PatternErrorCode =
  | "PATTERN_UNSUPPORTED"
  | "PATTERN_ESCAPES_ROOT"
  | "PATTERN_ABSOLUTE_DENIED"
  | "PATTERN_TOO_LONG";

/** A pattern refusal. The pattern is quoted through JSON so control characters cannot forge output. */
export function patternError(
  code: PatternErrorCode,
  pattern: unknown,
  problem: string,
  fix: string,
  reason: string,
): KiwiError {
  const shown = typeof pattern === "string" ? JSON.stringify(pattern.slice(0, 120)) : typeof pattern;
  return new KiwiError({
    code,
    message: `scope pattern ${shown} ${problem}; ${fix}`,
    context: { reason, pattern: typeof pattern === "string" ? pattern.slice(0, 1024) : undefined },
  });
}
