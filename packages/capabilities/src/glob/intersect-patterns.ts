import { isSubPattern } from "./is-sub-pattern";
import { type PatternKind, validatePattern } from "./validate-pattern";

/**
 * The narrower of two patterns when one is a proven sub-pattern of the other (normalised), otherwise
 * undefined. There is deliberately no general intersection: two overlapping grants do not combine into
 * a third pattern nobody wrote, and "names intersect" must never widen a scope (gap G2).
 */
export function intersectPatterns(a: string, b: string, kind: PatternKind): string | undefined {
  if (isSubPattern(a, b, kind)) return validatePattern(a, kind, { allowOmnibus: true });
  if (isSubPattern(b, a, kind)) return validatePattern(b, kind, { allowOmnibus: true });
  return undefined;
}
