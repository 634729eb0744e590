import type { Readable, Writable } from "node:stream";
import { inertJson } from "./thread-display/inert";

/** Where a command writes; injectable so tests capture output without patching globals. */
export interface Io {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The person's input, for the few prompts a command may show on a terminal (never when not a TTY). */
  readonly stdin?: Readable & { readonly isTTY?: boolean };
}

export function print(io: Io, text = ""): void {
  io.stdout.write(`${text}\n`);
}

/** JSON on stdout; terminal and bidi controls inside strings are written as `\u` escapes (same value). */
export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${inertJson(JSON.stringify(value, null, 2))}\n`);
}

export function printError(io: Io, text: string): void {
  io.stderr.write(`${text}\n`);
}
