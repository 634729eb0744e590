import { KiwiError, type KiwiErrorCode } from "@kiwi/spec";

/** One validation problem, always naming the file, the field and how to fix it. */
export interface Issue {
  /** Path of the item file (as given to the parser). */
  file: string;
  /** Dotted path of the offending field (`metadata.cost.max_turns`, `parameters[2].type`), or "" for the file. */
  field: string;
  message: string;
  /** What to write instead; omitted only when the message already says it. */
  fix?: string;
  severity: "error" | "warning";
}

export function issue(file: string, field: string, message: string, fix?: string): Issue {
  return fix === undefined
    ? { file, field, message, severity: "error" }
    : { file, field, message, fix, severity: "error" };
}

export function warning(file: string, field: string, message: string, fix?: string): Issue {
  return { ...issue(file, field, message, fix), severity: "warning" };
}

/** Formats an issue as one line: `file: field: message (fix: …)`. */
export function formatIssue(i: Issue): string {
  const where = i.field ? `${i.file}: ${i.field}` : i.file;
  return `${where}: ${i.message}${i.fix ? ` (fix: ${i.fix})` : ""}`;
}

/** A VALIDATION_FAILED (or other code) error carrying every collected issue. */
export function issuesError(
  issues: Issue[],
  options: { code?: KiwiErrorCode; file: string; context?: Record<string, unknown> },
): KiwiError {
  const errors = issues.filter((i) => i.severity === "error");
  const first = errors[0] ?? issues[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new KiwiError({
    code: options.code ?? "VALIDATION_FAILED",
    message: first ? `${formatIssue(first)}${more}` : `${options.file} is invalid`,
    context: { file: options.file, issues, ...options.context },
  });
}
