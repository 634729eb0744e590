import type { MetaResult } from "@kiwi/kernel";
import { EXIT } from "./cli-error";
import { type Io, print, printError, printJson } from "./io";
import { inert } from "./thread-display/inert";

/** Prints a meta-tool result (JSON, or `render` for humans) and returns the exit code. */
export function reportResult(
  io: Io,
  result: MetaResult,
  json: boolean,
  render?: (r: Record<string, unknown>) => string,
): number {
  if (!result.success) {
    if (json) printJson(io, result);
    else printError(io, `error ${inert(result.error.code)}: ${inert(result.error.message)}`);
    return EXIT.failed;
  }
  if (json || !render) printJson(io, result);
  else print(io, render(result));
  return EXIT.ok;
}
