import { KiwiError } from "@kiwi/spec";
import { parseFailure } from "./parse-failure";

export interface DirectiveBlock {
  /** From `<directive` through `</directive>`, exactly as in the file. */
  xml: string;
  /** Lines of Markdown before the block, to report XML positions as file lines. */
  lineOffset: number;
}

// Case-insensitive on purpose: a `<Directive>` or `<PERMISSIONS>` elsewhere still makes the file ambiguous
// for some reader (an HTML renderer, a human, a lenient tool), so it counts.
const START = /<directive[\s>]/gi;
const END = /<\/directive\s*>/gi;
const PERMISSIONS = /<permissions/gi;

/**
 * Finds the one XML block of a directive's Markdown. Every occurrence counts, including those inside
 * code fences and comments: if a second `<directive>` or `<permissions>` exists anywhere, different
 * readers could pick different ones (a parser differential), so the file is refused as ambiguous
 * instead of guessing which one is meant (battery X6).
 */
export function extractDirectiveBlock(text: string, file: string): DirectiveBlock {
  const starts = [...text.matchAll(START)];
  const ends = [...text.matchAll(END)];
  const permissions = [...text.matchAll(PERMISSIONS)];
  const ambiguous = (what: string, count: number) =>
    new KiwiError({
      code: "DIRECTIVE_AMBIGUOUS",
      message: `${file}: found ${count} ${what} (code fences and comments count too); a directive file holds exactly one, so remove the others`,
      context: { file, count, element: what },
    });
  if (starts.length > 1) throw ambiguous("<directive> start tags", starts.length);
  if (ends.length > 1) throw ambiguous("</directive> end tags", ends.length);
  if (permissions.length > 1) throw ambiguous("<permissions> elements", permissions.length);

  const start = starts[0];
  const end = ends[0];
  if (!start) {
    throw parseFailure("PARSE_ERROR", {
      file,
      message:
        'no <directive> block found; add <directive name="…" version="1.0.0">…</directive> to the Markdown',
    });
  }
  if (!end || end.index < start.index) {
    throw parseFailure("PARSE_ERROR", {
      file,
      message: "the <directive> block is not closed; end it with </directive>",
    });
  }
  const before = text.slice(0, start.index);
  return {
    xml: text.slice(start.index, end.index + end[0].length),
    lineOffset: before.match(/\r\n|\r|\n/g)?.length ?? 0,
  };
}
