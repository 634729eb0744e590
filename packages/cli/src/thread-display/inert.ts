// Text from models, tools, MCP servers and transcripts is untrusted: printed raw, its control characters
// would drive the person's terminal (colour, cursor moves, clear screen, window title via OSC, hyperlinks,
// 8-bit C1 sequences) and bidi controls would reorder what is shown (a "Trojan Source" line). Every place
// the CLI prints such text passes it through `inert`; `inertJson` does the same for JSON output.

/**
 * C0 controls except tab and newline (ESC starts every 7-bit sequence; CR and BS overwrite what was
 * printed), DEL, the C1 controls (U+0080–U+009F: 8-bit CSI, OSC, …), and the bidi controls (ALM, LRM, RLM,
 * the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069).
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is matched
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function hex(c: string, width: number): string {
  return c.codePointAt(0)!.toString(16).padStart(width, "0");
}

/**
 * The text with every terminal control and bidi control shown as a visible escape (`\x1b`, `\x9b`,
 * `\u202e`) instead of acting: `\x1b[2J` prints as those characters rather than clearing the screen.
 * Tabs and newlines stay (callers decide how lines are laid out).
 */
export function inert(text: string): string {
  return text.replace(UNSAFE, (c) => (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/**
 * JSON text with the same characters written as JSON escapes (`\u001b`, `\u202e`): the same JSON value,
 * safe on a terminal. They can only occur inside JSON strings, where the escape means the same character.
 */
export function inertJson(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${hex(c, 4)}`,
  );
}
