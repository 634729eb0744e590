/**
 * Splits `text` into pieces of `size` code points. Counting code points rather than UTF-16 units keeps a
 * surrogate pair (an emoji) inside one piece, so every piece is valid text on its own, as from a real API.
 */
export function splitPieces(text: string, size: number): string[] {
  const points = Array.from(text);
  const step = Math.max(1, Math.floor(size));
  const pieces: string[] = [];
  for (let start = 0; start < points.length; start += step) {
    pieces.push(points.slice(start, start + step).join(""));
  }
  return pieces;
}
