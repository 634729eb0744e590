import { KiwiError, type KnownErrorCode } from "@kiwi/spec";

/** The codes of a pattern refusal: @kiwi/spec's `PATTERN_*` codes. */
export type PatternErrorCode = Extract<KnownErrorCode, `PATTERN_${string}`>;

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
