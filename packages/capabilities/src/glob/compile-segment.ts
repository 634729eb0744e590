/** Tests one path segment (or one tool id) against a compiled segment pattern. */
export type SegmentTest = (name: string) => boolean;

/**
 * Compiles one segment of the dialect: literal text with `*` wildcards, each `*` matching ONE OR MORE
 * characters (never `/`, which a segment cannot contain). The pattern must already be validated.
 *
 * No regex and no backtracking: the pattern is split at `*` into literal pieces; the first piece must be
 * a prefix, the last a suffix, and each middle piece is found left-most with `indexOf`. Left-most is
 * always the best choice (it leaves the most room for what follows), so a failed search means no match.
 * Cost is O(name × pieces) at worst, whatever the pattern: `a*a*a*…*b` cannot blow up.
 */
export function compileSegment(pattern: string): SegmentTest {
  const pieces = pattern.split("*");
  if (pieces.length === 1) return (name) => name === pattern;
  const first = pieces[0] ?? "";
  const last = pieces[pieces.length - 1] ?? "";
  const middle = pieces.slice(1, -1);
  const stars = pieces.length - 1;
  const minLength = pieces.reduce((sum, piece) => sum + piece.length, 0) + stars;
  return (name) => {
    if (name.length < minLength || !name.startsWith(first) || !name.endsWith(last)) return false;
    const end = name.length - last.length;
    let pos = first.length;
    for (const piece of middle) {
      // `pos + 1`: the `*` before this piece must take at least one character.
      const at = name.indexOf(piece, pos + 1);
      if (at < 0) return false;
      pos = at + piece.length;
      if (pos + 1 > end) return false;
    }
    return pos + 1 <= end;
  };
}
