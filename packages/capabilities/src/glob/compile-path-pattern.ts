import { compileSegment, type SegmentTest } from "./compile-segment";
import { GLOBSTAR } from "./match-sequence";
import { validatePattern } from "./validate-pattern";

export type PathPatternElement = SegmentTest | typeof GLOBSTAR;

// Grants are few and matched often; a small cache keeps validation off the hot path. Cleared wholesale
// when full because an attacker-driven stream of distinct patterns must not grow memory.
const cache = new Map<string, readonly PathPatternElement[]>();
const CACHE_LIMIT = 512;

/** Validates (throwing on an invalid pattern) and compiles a path pattern into segment elements. */
export function compilePathPattern(pattern: string): readonly PathPatternElement[] {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const normalised = validatePattern(pattern, "path");
  const elements = normalised === "" ? [] : normalised.split("/").map(toElement);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, elements);
  return elements;
}

function toElement(segment: string): PathPatternElement {
  return segment === GLOBSTAR ? GLOBSTAR : compileSegment(segment);
}
