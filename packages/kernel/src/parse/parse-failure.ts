import { KiwiError, type KnownErrorCode } from "@kiwi/spec";

export interface ParseFailureOptions {
  file: string;
  /** Says what is wrong and what to do about it. */
  message: string;
  /** 1-based position in the file, when known. */
  line?: number;
  column?: number;
  /** Dotted path of the offending field, when the failure concerns one. */
  field?: string;
  cause?: unknown;
}

/**
 * A parser failure as a KiwiError. The message starts with `file:line:column` (like a compiler) so it can
 * be read on its own, and the same facts sit in `context` for programs.
 */
export function parseFailure(code: KnownErrorCode, options: ParseFailureOptions): KiwiError {
  const { file, line, column, field } = options;
  let where = file;
  if (line !== undefined) where += `:${line}${column !== undefined ? `:${column}` : ""}`;
  const context: Record<string, unknown> = { file };
  if (line !== undefined) context.line = line;
  if (column !== undefined) context.column = column;
  if (field !== undefined) context.field = field;
  return new KiwiError({ code, message: `${where}: ${options.message}`, context, cause: options.cause });
}
