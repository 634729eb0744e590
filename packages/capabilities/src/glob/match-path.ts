import { compilePathPattern } from "./compile-path-pattern";
import { matchSequence } from "./match-sequence";
import { unsafeCharKind } from "./unsafe-char-kind";

/**
 * True when the canonical project-relative path `relPath` is inside the path pattern.
 *
 * - `*` matches one or more characters within a segment, never `/`; `**` matches zero or more whole
 *   segments, so `**` matches the project root `""` and `src/**` matches `src` itself (S3; whether a
 *   directory may be written or deleted as a whole is the caller's rule, not the pattern's).
 * - Case-sensitive; both sides NFC-normalised; dotfiles are ordinary names (`src/**` covers `src/.env`).
 * - An invalid pattern throws its KiwiError (patterns are validated at load, so this is a bug upstream).
 * - A path that is not canonical (leading `/`, empty, `.` or `..` segments, control, zero-width or
 *   bidi characters, `\`) never matches: fail closed rather than guess what it means.
 */
export function matchPath(pattern: string, relPath: string): boolean {
  const elements = compilePathPattern(pattern);
  const segments = canonicalSegments(relPath);
  if (segments === undefined) return false;
  return matchSequence(elements, segments, (test, segment) => test(segment));
}

function canonicalSegments(relPath: string): string[] | undefined {
  if (typeof relPath !== "string") return undefined;
  if (relPath === "") return [];
  if (unsafeCharKind(relPath) !== undefined || relPath.includes("\\")) return undefined;
  const segments = relPath.normalize("NFC").split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") return undefined;
  }
  return segments;
}
