import { unsafeCharKind, utf8ByteLength } from "@kiwi/capabilities";
import { type PathErrorReason, pathError } from "./path-error";
import { MAX_PATH_BYTES, MAX_PATH_SEGMENTS } from "./path-limits";
import { pathSegmentProblem } from "./path-segment-problem";

const FIX: Record<string, string> = {
  not_string: "pass the path as a string",
  empty: "name a file or directory; use `.` for the project root",
  nul: "remove the NUL byte",
  control: "remove control characters such as newlines and escape codes",
  ill_formed: "the path has a broken UTF-16 surrogate; retype it",
  ignorable_codepoint: "remove invisible characters (zero-width, bidi controls, BOM)",
  windows_form:
    "use `/` as the separator and avoid `\\`, `:`, device names (CON, NUL, COM1…), names ending in a dot or space, and `~1`-style short names",
  lookalike: "a name looks like `..` or a separator in another script; rename it with plain characters",
  too_long: "use a shorter path (at most 4096 bytes, 256 segments, 255 bytes per name)",
};

/**
 * Checks the syntax of a requested path and returns it NFC-normalised, or throws `PATH_INVALID` with a
 * reason. Percent signs are literal (`%2e%2e` is a name, never decoded); no other decoding happens.
 */
export function checkPathSyntax(requested: string): string {
  const fail = (reason: PathErrorReason) =>
    pathError("PATH_INVALID", reason, requested, FIX[reason] ?? reason);
  if (typeof requested !== "string") throw fail("not_string");
  if (requested === "") throw fail("empty");
  if (requested.length > MAX_PATH_BYTES || utf8ByteLength(requested) > MAX_PATH_BYTES) throw fail("too_long");
  const unsafe = unsafeCharKind(requested);
  if (unsafe !== undefined) throw fail(unsafe);
  if (requested.includes("\\") || requested.includes(":")) throw fail("windows_form");
  const normalised = requested.normalize("NFC");
  const segments = normalised.split("/").filter((s) => s !== "");
  if (segments.length > MAX_PATH_SEGMENTS) throw fail("too_long");
  for (const segment of segments) {
    const problem = pathSegmentProblem(segment);
    if (problem !== undefined) throw fail(problem);
  }
  return normalised;
}
