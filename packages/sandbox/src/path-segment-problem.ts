import { unsafeCharKind, utf8ByteLength } from "@kiwi/capabilities";
import type { PathErrorReason } from "./path-error";
import { MAX_NAME_BYTES } from "./path-limits";

// Windows device names, with or without an extension (`nul.txt` is still NUL), superscript digits
// included: Windows maps them too. One portable rule, whatever OS the project is on today.
const DEVICE_NAME =
  /^(con|prn|aux|nul|conin\$|conout\$|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3])\s*(\..*)?$/i;
// Windows strips trailing dots and spaces, so `secret.txt.` IS `secret.txt` there.
const TRAILING_DOT_OR_SPACE = /[. ]$/;
// 8.3 short names (`PROGRA~1`, `GIT~1` = `.git`, git CVE-2014-9390).
const SHORT_NAME = /~\d/;
const SEPARATOR_LIKE = /[/\\:]/;
// Slashes from other blocks that NFKC leaves alone but Windows "best fit" code pages and some tools map
// to `/` or `\` (the WorstFit class of bugs): division slash, fraction slash, set minus, big solidus….
const SLASH_LOOKALIKE = /[\u2044\u2215\u2216\u2571\u2572\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]/;

/**
 * Why one name (a single path segment, not `.` or `..`) is refused, or undefined when it is fine.
 * Shared by request checking and by directory listings, so a listing never reports a name a later
 * request could not use.
 */
export function pathSegmentProblem(name: string): PathErrorReason | undefined {
  if (name === "") return "empty";
  const unsafe = unsafeCharKind(name);
  if (unsafe !== undefined) return unsafe;
  if (utf8ByteLength(name) > MAX_NAME_BYTES) return "too_long";
  if (name.includes("\\") || name.includes(":")) return "windows_form";
  if (name === "." || name === "..") return undefined;
  if (DEVICE_NAME.test(name) || TRAILING_DOT_OR_SPACE.test(name) || SHORT_NAME.test(name)) {
    return "windows_form";
  }
  // NFKC is never applied to paths, but a name whose compatibility form is `..` or holds a separator
  // (fullwidth `．．／`, `‥`, division slash) is a traversal waiting for a tool that does normalise.
  if (SLASH_LOOKALIKE.test(name)) return "lookalike";
  const compat = name.normalize("NFKC");
  if (compat !== name && (compat === "." || compat === ".." || SEPARATOR_LIKE.test(compat)))
    return "lookalike";
  return undefined;
}
