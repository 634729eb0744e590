import { compileSegment } from "./compile-segment";
import { GLOBSTAR, matchSequence } from "./match-sequence";
import { type PatternKind, validatePattern } from "./validate-pattern";

/**
 * Decides whether every string `child` matches is also matched by `parent` (child ⊆ parent). Used for
 * attenuation: a child grant must be a proven subset of a parent grant. Both patterns are validated
 * (invalid ones throw). Sound: it never answers true when some path or id is matched by the child and
 * refused by the parent. Complete within a segment, and for `**` wherever the parent has `**` to cover
 * the child's; a few equal-language spellings it cannot see through are answered false (safe).
 *
 * How: the child is read as a word over its own symbols. Inside a segment each child `*` becomes one
 * character the parent never mentions; the parent matches that word exactly when it matches every
 * expansion of the child (its literals can't absorb the fresh character, so one of its `*` must cover
 * each child `*`). One level up, a parent segment must consume exactly one child segment that way, and
 * only a parent `**` may consume a child `**`. Runs of whole `*` and `**` segments are first put in a
 * canonical order (`*` + `**` means "one or more segments" in either order).
 */
// Examples (pinned in tests): src/lib/** ⊆ src/**; src/*.ts ⊆ src/**; src/a/* ⊆ src/*/*; ** ⊆ only **;
// github_admin_* ⊆ github_*; git* ⊄ github_*.
export function isSubPattern(child: string, parent: string, kind: PatternKind): boolean {
  const c = validatePattern(child, kind, { allowOmnibus: true });
  const p = validatePattern(parent, kind, { allowOmnibus: true });
  const fresh = freshCharacter(p);
  const freshen = (segment: string) => segment.replaceAll("*", fresh);
  if (kind === "tool_id") return compileSegment(p)(freshen(c));

  const parentElements = canonicalRuns(split(p)).map((s) => (s === GLOBSTAR ? GLOBSTAR : compileSegment(s)));
  const childTokens = canonicalRuns(split(c));
  return matchSequence(
    parentElements,
    childTokens,
    (test, token) => token !== GLOBSTAR && test(freshen(token)),
  );
}

function split(pattern: string): string[] {
  return pattern === "" ? [] : pattern.split("/");
}

/** A character (from the private-use area) that does not occur in `text`, standing for "anything". */
function freshCharacter(text: string): string {
  for (let code = 0xe000; code <= 0xf8ff; code++) {
    const candidate = String.fromCharCode(code);
    if (!text.includes(candidate)) return candidate;
  }
  // Unreachable: a pattern is at most 1 KiB, the private-use area has 6400 characters.
  throw new Error("no fresh character available");
}

/** Rewrites each maximal run of whole `*` / `**` segments that holds a `**` as `**` then the `*`s. */
function canonicalRuns(segments: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < segments.length) {
    if (segments[i] !== "*" && segments[i] !== GLOBSTAR) {
      out.push(segments[i] as string);
      i++;
      continue;
    }
    let stars = 0;
    let globstar = false;
    while (i < segments.length && (segments[i] === "*" || segments[i] === GLOBSTAR)) {
      if (segments[i] === GLOBSTAR) globstar = true;
      else stars++;
      i++;
    }
    if (globstar) out.push(GLOBSTAR);
    for (let k = 0; k < stars; k++) out.push("*");
  }
  return out;
}
