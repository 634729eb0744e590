import { MAX_PATTERN_BYTES, MAX_PATTERN_SEGMENTS } from "./glob-limits";
import { GLOBSTAR } from "./match-sequence";
import { patternError } from "./pattern-error";
import { unsafeCharKind } from "./unsafe-char-kind";
import { utf8ByteLength } from "./utf8-byte-length";

export type PatternKind = "path" | "tool_id";

export interface ValidatePatternOptions {
  /** Accept the bare tool-id pattern `*` (every tool). Only core directives may; user grants may not. */
  readonly allowOmnibus?: boolean;
}

const DIALECT =
  "Kiwi patterns are literal text plus `*` (one or more characters within a segment) and `**` (whole segments)";
// Characters other dialects give meaning to (braces, classes, `?`, negation, extglobs, escapes) and
// Windows-only syntax (`\`, `:` streams). Refusing them keeps a grant meaning the same to every reader.
const UNSUPPORTED_CHARS = /[{}[\]?!()\\:]/;
// A drive letter (`C:`) or any URI scheme (`file:`): both name places outside the project.
const SCHEME_OR_DRIVE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const TOOL_ID_PATTERN = /^[a-z0-9_*]+$/;

/**
 * Validates a scope pattern when a directive is loaded and returns its normalised form, or throws a
 * KiwiError (`PATTERN_UNSUPPORTED`, `PATTERN_ESCAPES_ROOT`, `PATTERN_ABSOLUTE_DENIED`,
 * `PATTERN_TOO_LONG`).
 *
 * Path patterns are relative POSIX paths, NFC-normalised. Normalisation, one rule (S10): empty and `.`
 * segments are dropped, so `./dist/**`, `dist//x` and `dist/` become `dist/**`, `dist/x` and `dist`
 * (the entry itself, not its contents: write `dist/**` for those); `.` and `""` become `""`, which
 * matches only the project root. Repeated `**` segments collapse into one. A `..` segment is refused
 * anywhere, even where it would stay inside.
 *
 * Tool-id patterns are one segment over `[a-z0-9_]` and `*`; the bare `*` needs `allowOmnibus` (S15).
 */
export function validatePattern(
  pattern: string,
  kind: PatternKind,
  options: ValidatePatternOptions = {},
): string {
  if (typeof pattern !== "string") {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      "is not a string",
      "write the pattern as text",
      "not_string",
    );
  }
  // Cheap length check first so a 100 KiB pattern costs nothing more (UTF-8 bytes >= UTF-16 units).
  if (pattern.length > MAX_PATTERN_BYTES || utf8ByteLength(pattern) > MAX_PATTERN_BYTES) {
    throw patternError(
      "PATTERN_TOO_LONG",
      pattern,
      `is longer than ${MAX_PATTERN_BYTES} bytes`,
      "grant a shorter pattern such as a parent directory with `/**`",
      "too_long",
    );
  }
  const unsafe = unsafeCharKind(pattern);
  if (unsafe !== undefined) {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      `contains a ${unsafe === "ignorable_codepoint" ? "zero-width, bidi or BOM" : unsafe.replace("_", "-")} character`,
      "retype the pattern with visible characters only",
      unsafe,
    );
  }
  const normalised = pattern.normalize("NFC");
  return kind === "tool_id" ? validateToolIdPattern(normalised, options) : validatePathPattern(normalised);
}

function validateToolIdPattern(pattern: string, options: ValidatePatternOptions): string {
  if (pattern === "") {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      "is empty",
      "name a tool id such as `github_list`",
      "empty",
    );
  }
  if (!TOOL_ID_PATTERN.test(pattern)) {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      "has characters tool ids never contain",
      "use lower-case letters, digits, `_` and `*` only (for example `github_*`)",
      "tool_id_chars",
    );
  }
  if (pattern.includes("**")) {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      "has `**`, which tool-id patterns do not use",
      "use a single `*` (it already matches one or more characters)",
      "double_star",
    );
  }
  if (pattern === "*" && options.allowOmnibus !== true) {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      "grants every tool",
      "list the tools or a prefix such as `github_*`; only core directives may grant `*`",
      "omnibus",
    );
  }
  return pattern;
}

function validatePathPattern(pattern: string): string {
  if (pattern.startsWith("/") || pattern.startsWith("\\\\")) {
    throw patternError(
      "PATTERN_ABSOLUTE_DENIED",
      pattern,
      "is absolute",
      "write it relative to the project root, e.g. `src/**`",
      "absolute",
    );
  }
  if (pattern.startsWith("~") || SCHEME_OR_DRIVE.test(pattern)) {
    throw patternError(
      "PATTERN_ABSOLUTE_DENIED",
      pattern,
      "names a home directory, drive or URI",
      "write it relative to the project root, e.g. `src/**`",
      "absolute",
    );
  }
  const bad = UNSUPPORTED_CHARS.exec(pattern);
  if (bad !== null) {
    throw patternError(
      "PATTERN_UNSUPPORTED",
      pattern,
      `uses \`${bad[0]}\`, which Kiwi patterns do not support`,
      `${DIALECT}; list several grants instead of braces or classes`,
      "unsupported_syntax",
    );
  }
  const segments: string[] = [];
  for (const segment of pattern.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      throw patternError(
        "PATTERN_ESCAPES_ROOT",
        pattern,
        "contains `..`",
        "write the path from the project root without `..`",
        "dot_dot",
      );
    }
    if (segment !== GLOBSTAR && segment.includes("**")) {
      throw patternError(
        "PATTERN_UNSUPPORTED",
        pattern,
        "has `**` inside a segment",
        "use `**` alone between slashes (`src/**/x`) or a single `*` within a name (`*.ts`)",
        "double_star",
      );
    }
    // `**/**` means the same as `**`; keeping one makes equal grants compare equal.
    if (segment === GLOBSTAR && segments[segments.length - 1] === GLOBSTAR) continue;
    segments.push(segment);
  }
  if (segments.length > MAX_PATTERN_SEGMENTS) {
    throw patternError(
      "PATTERN_TOO_LONG",
      pattern,
      `has more than ${MAX_PATTERN_SEGMENTS} segments`,
      "grant a parent directory with `/**` instead",
      "too_many_segments",
    );
  }
  return segments.join("/");
}
