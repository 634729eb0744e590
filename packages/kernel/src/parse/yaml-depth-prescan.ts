/** Where the pre-scan first saw nesting deeper than allowed (1-based). */
export interface PrescanHit {
  line: number;
  column: number;
  kind: "flow" | "indicator";
}

const BLOCK_SCALAR_HEADER = /^[|>][0-9+-]*[ \t]*(?:#.*)?$/;

/**
 * A linear scan run BEFORE the YAML parser: the parser's composer recurses once per nesting level, and
 * 100 000 `[` (or `{`) exhaust the stack or the heap before any depth option could apply. It counts flow
 * brackets outside quoted scalars, comments and block scalars, plus runs of compact block indicators
 * (`- - - x`, `? ? x`), each of which opens one collection. It is a cheap early filter, not the
 * authority: the exact depth is measured later on the parser's token tree, so a miss here is caught there.
 */
export function prescanYamlDepth(text: string, maxDepth: number): PrescanHit | undefined {
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let line = 1;
  let lineStart = 0;
  let blockIndent = -1; // indentation of the line that opened a block scalar; -1 when not in one
  let indent = 0; // indentation of the current line
  let lastSignificant = ""; // last non-blank character on this line outside quotes ("" at line start)
  let indicatorRun = 0;
  let atLineStart = true;

  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "\n") {
      line++;
      lineStart = i + 1;
      lastSignificant = "";
      indicatorRun = 0;
      atLineStart = true;
      if (blockIndent >= 0) {
        const skipped = skipBlockScalarLines(text, i + 1, blockIndent);
        line += skipped.lines;
        lineStart = skipped.next;
        i = skipped.next - 1;
        blockIndent = -1;
      }
      continue;
    }
    if (quote === '"') {
      if (ch === "\\") i++;
      else if (ch === '"') quote = undefined;
      continue;
    }
    if (quote === "'") {
      if (ch === "'" && text[i + 1] === "'") i++;
      else if (ch === "'") quote = undefined;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r") continue;
    if (atLineStart) {
      atLineStart = false;
      indent = i - lineStart;
    }
    const prev = i > lineStart ? text[i - 1] : "";
    const tokenStart =
      prev === "" || prev === " " || prev === "\t" || (flow > 0 && "[{,:".includes(prev as string));
    const next = text[i + 1];
    const nextIsBlank = next === undefined || next === " " || next === "\t" || next === "\n" || next === "\r";

    if (ch === "#" && tokenStart) {
      const end = text.indexOf("\n", i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if ((ch === '"' || ch === "'") && tokenStart) {
      quote = ch;
      lastSignificant = ch;
      continue;
    }
    const atNodeStart = flow > 0 || lastSignificant === "" || "-?:".includes(lastSignificant);
    if ((ch === "!" || ch === "&") && tokenStart && atNodeStart) {
      // A tag or anchor comes before the node it decorates: skip it without leaving the node start.
      while (i + 1 < text.length && !" \t\r\n,[]{}".includes(text[i + 1] as string)) i++;
      continue;
    }
    if ((ch === "[" || ch === "{") && tokenStart && atNodeStart) {
      flow++;
      if (flow > maxDepth) return { line, column: i - lineStart + 1, kind: "flow" };
    } else if ((ch === "]" || ch === "}") && flow > 0) {
      flow--;
    } else if (flow === 0 && (ch === "-" || ch === "?") && nextIsBlank && tokenStart && atNodeStart) {
      // Only a run that starts the line counts: `a - b` is plain text, `- - - x` is nested sequences.
      if (lastSignificant === "" || indicatorRun > 0) indicatorRun++;
      if (indicatorRun > maxDepth) return { line, column: i - lineStart + 1, kind: "indicator" };
    } else if (flow === 0 && (ch === "|" || ch === ">") && tokenStart && atNodeStart) {
      const end = text.indexOf("\n", i);
      if (BLOCK_SCALAR_HEADER.test(text.slice(i, end === -1 ? text.length : end).replace(/\r$/, ""))) {
        blockIndent = indent;
        i = (end === -1 ? text.length : end) - 1;
        continue;
      }
    }
    lastSignificant = ch;
  }
  return undefined;
}

/**
 * Skips the content lines of a block scalar (blank lines, or lines indented more than the line that
 * opened it) so brackets inside literal text are not counted. Returns the start of the first line that
 * is not content and how many lines were skipped.
 */
function skipBlockScalarLines(
  text: string,
  from: number,
  parentIndent: number,
): { next: number; lines: number } {
  let pos = from;
  let lines = 0;
  while (pos < text.length) {
    const end = text.indexOf("\n", pos);
    const lineEnd = end === -1 ? text.length : end;
    const content = text.slice(pos, lineEnd);
    const lineIndent = content.length - content.replace(/^ +/, "").length;
    const blank = content.trim() === "";
    if (!blank && lineIndent <= parentIndent) break;
    if (end === -1) return { next: text.length, lines };
    pos = end + 1;
    lines++;
  }
  return { next: pos, lines };
}
