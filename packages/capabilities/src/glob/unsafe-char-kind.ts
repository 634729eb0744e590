/** Why a character is refused in a pattern or a path. */
export type UnsafeCharKind = "nul" | "control" | "ill_formed" | "ignorable_codepoint";

// C0 controls, DEL and C1 controls: newlines and escape sequences would let a name forge transcript
// lines or terminal output, and no legitimate project file needs them.
const CONTROL = /\p{Cc}/u;
// Default_Ignorable_Code_Point covers zero-width characters, bidi controls and the BOM: invisible, so a
// name containing them looks like another name (git CVE-2014-9390: `.g\u200cit` is `.git` on HFS+).
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
// With the `u` flag a well-formed pair is one astral code point, so only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The first reason `value` contains a character Kiwi refuses in patterns and paths, or undefined.
 * NUL is reported on its own because it truncates paths in C APIs.
 */
export function unsafeCharKind(value: string): UnsafeCharKind | undefined {
  if (value.includes("\u0000")) return "nul";
  if (CONTROL.test(value)) return "control";
  // Lone surrogates cannot be encoded as UTF-8 file names and would normalise unpredictably.
  if (LONE_SURROGATE.test(value)) return "ill_formed";
  if (IGNORABLE.test(value)) return "ignorable_codepoint";
  return undefined;
}
