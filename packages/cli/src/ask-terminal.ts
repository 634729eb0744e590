import { createInterface } from "node:readline/promises";
import type { Io } from "./io";

/** Whether the person is at a terminal that can answer a prompt (stdin is a TTY). */
export function canPrompt(io: Io): boolean {
  return io.stdin?.isTTY === true;
}

/**
 * Asks a yes/no question on the terminal (the prompt on stderr, so stdout stays the command's output).
 * Only "y" or "yes" is a yes; anything else, an empty line or the end of input is a no. Never called
 * when stdin is not a terminal.
 */
export async function askYesNo(io: Io, question: string): Promise<boolean> {
  if (!canPrompt(io) || !io.stdin) return false;
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const closed = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
    const answer = await Promise.race([rl.question(`${question} [y/N] `), closed]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
