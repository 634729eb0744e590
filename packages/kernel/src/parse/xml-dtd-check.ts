import { parseFailure } from "./parse-failure";

const DTD_MARKUP = /<!(?:DOCTYPE|ENTITY)/i;

/**
 * Refuses any `<!DOCTYPE` or `<!ENTITY` in the raw text, case-insensitively, before any parser runs.
 * Kiwi never needs a DTD, so no entity is ever declared, expanded or fetched — whatever a parser's
 * entity limits would have done (fast-xml-parser CVE series, battery X1/X2).
 */
export function rejectDtdMarkup(text: string, opts: { file: string; lineOffset?: number }): void {
  const found = DTD_MARKUP.exec(text);
  if (!found) return;
  const line = 1 + (text.slice(0, found.index).match(/\r\n|\r|\n/g)?.length ?? 0) + (opts.lineOffset ?? 0);
  throw parseFailure("PARSE_DOCTYPE_FORBIDDEN", {
    file: opts.file,
    line,
    message: "<!DOCTYPE> and <!ENTITY> declarations are not allowed in Kiwi items; remove them",
  });
}
