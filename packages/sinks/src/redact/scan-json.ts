/**
 * FNV-1a over `text[start, end)`, for lane keys (a collision only joins two lanes: more is looked at
 * together, nothing is missed).
 */
export function hashText(text: string, start = 0, end = text.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function mix(a: number, b: number): number {
  return Math.imul(a ^ (b + 0x9e3779b9 + (a << 6) + (a >>> 2)), 16777619) >>> 0;
}

/** A string holds a backslash escape (its text is not the data between its quotes). */
export const TOKEN_ESCAPED = 1;
/** A string that is an object's key. */
export const TOKEN_KEY = 2;
/** A number or `true` / `false` / `null`. */
export const TOKEN_LITERAL = 4;

/**
 * The tokens of one JSON text, reused from event to event (no allocation per token): for token `i`,
 * `[starts[i], ends[i])` is a string's text between its quotes or a literal, `flags[i]` the TOKEN_* bits,
 * `paths[i]` the hash of where a value sits (its keys and indices), 0 for keys and literals.
 */
export class JsonTokens {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly flags: number[] = [];
  readonly paths: number[] = [];
  count = 0;
  // The scanner's stack, per depth (kept between texts: no allocation per event).
  readonly stackPath: number[] = [];
  readonly stackArray: boolean[] = [];
  readonly stackIndex: number[] = [];
  readonly stackKey: number[] = [];
  readonly stackExpectKey: boolean[] = [];

  push(start: number, end: number, flags: number, path: number): void {
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.flags[i] = flags;
    this.paths[i] = path;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Characters of numbers and of `true`, `false`, `null`. */
function isLiteralChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2b ||
    c === 0x2e ||
    c === 0x45 ||
    c === 0x65 ||
    c === 0x74 ||
    c === 0x72 ||
    c === 0x75 ||
    c === 0x66 ||
    c === 0x61 ||
    c === 0x6c ||
    c === 0x73 ||
    c === 0x6e
  );
}

/**
 * Walks JSON text without building it, filling `out` with every string and bare token in order. Returns
 * false when the text holds anything else outside strings, or an unterminated string: the caller then
 * reads it as plain text. It checks no further grammar: every character of a text it accepts is inside a
 * reported token or is JSON punctuation or space, which is all redaction needs.
 */
export function scanJson(data: string, root: number, out: JsonTokens): boolean {
  out.count = 0;
  const paths = out.stackPath;
  const arrays = out.stackArray;
  const indices = out.stackIndex;
  const keys = out.stackKey;
  const expectKey = out.stackExpectKey;
  paths[0] = root;
  arrays[0] = false;
  indices[0] = 0;
  keys[0] = 0;
  expectKey[0] = false;
  let depth = 0;
  for (let i = 0; i < data.length; ) {
    const c = data.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let flags = 0;
      while (j < data.length) {
        const d = data.charCodeAt(j);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          flags = TOKEN_ESCAPED;
          j += 2;
        } else j += 1;
      }
      if (j >= data.length) return false;
      if (expectKey[depth]) {
        keys[depth] = hashText(data, i + 1, j);
        expectKey[depth] = false;
        out.push(i + 1, j, flags | TOKEN_KEY, 0);
      } else {
        const path = arrays[depth] ? mix(paths[depth]!, indices[depth]!) : mix(paths[depth]!, keys[depth]!);
        out.push(i + 1, j, flags, path);
      }
      i = j + 1;
    } else if (c === 0x7b || c === 0x5b) {
      const path =
        depth === 0
          ? root
          : arrays[depth]
            ? mix(paths[depth]!, indices[depth]!)
            : mix(paths[depth]!, keys[depth]!);
      depth += 1;
      paths[depth] = path;
      arrays[depth] = c === 0x5b;
      indices[depth] = 0;
      keys[depth] = 0;
      expectKey[depth] = c === 0x7b;
      i += 1;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return false;
      depth -= 1;
      i += 1;
    } else if (c === 0x2c) {
      if (arrays[depth]) indices[depth] = indices[depth]! + 1;
      else expectKey[depth] = true;
      i += 1;
    } else if (c === 0x3a || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i += 1;
    } else if (isLiteralChar(c)) {
      let j = i + 1;
      while (j < data.length && isLiteralChar(data.charCodeAt(j))) j += 1;
      out.push(i, j, TOKEN_LITERAL, 0);
      i = j;
    } else return false;
  }
  return true;
}
