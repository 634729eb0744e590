/** The two parts of a Markdown file with front matter. */
export interface FrontMatterSplit {
  /** The YAML between the `---` lines. */
  yaml: string;
  /** Everything after the closing `---` line. */
  body: string;
}

/**
 * Splits `---\n<yaml>\n---\n<body>`. The first line must be exactly `---` and the front matter ends at
 * the next line that is exactly `---` (trailing spaces and CR allowed). Returns undefined when the file
 * does not start with front matter or it is never closed.
 */
export function splitFrontMatter(text: string): FrontMatterSplit | undefined {
  const lines = text.split("\n");
  const fence = (line: string | undefined) => line !== undefined && /^---[ \t\r]*$/.test(line);
  if (!fence(lines[0])) return undefined;
  const close = lines.findIndex((line, index) => index > 0 && fence(line));
  if (close === -1) return undefined;
  // CRLF files: the YAML gets plain LF line ends (a stray CR would end up inside values); the body is
  // returned exactly as written.
  const yaml = lines
    .slice(1, close)
    .map((line) => line.replace(/\r$/, ""))
    .join("\n");
  return { yaml, body: lines.slice(close + 1).join("\n") };
}
