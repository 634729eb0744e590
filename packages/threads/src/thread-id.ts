import { KiwiError } from "@kiwi/spec";

/** Longest thread id: it names a folder (`.ai/threads/<id>/`) and a registry key. */
export const MAX_THREAD_ID_LENGTH = 128;
const VALID = /^[A-Za-z0-9_-]+$/;

/** A valid id made from anything: unsafe characters become `_`, runs collapse, the length is capped. */
export function sanitizeThreadId(raw: string): string {
  const cleaned = String(raw)
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9_-]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[_-]+|[_-]+$/g, "")
    .slice(0, MAX_THREAD_ID_LENGTH);
  return cleaned || "thread";
}

/**
 * Throws INVALID_THREAD_ID unless the id is 1–128 characters of `[A-Za-z0-9_-]` (no dots, slashes or
 * spaces: it becomes a folder name). The error carries a sanitised suggestion.
 */
export function validateThreadId(id: unknown): string {
  if (typeof id === "string" && id.length <= MAX_THREAD_ID_LENGTH && VALID.test(id)) return id;
  const text = typeof id === "string" ? id : String(id);
  const suggestion = sanitizeThreadId(text);
  const why =
    typeof id !== "string"
      ? "a thread id is a string"
      : id.length === 0
        ? "the thread id is empty"
        : id.length > MAX_THREAD_ID_LENGTH
          ? `the thread id is ${id.length} characters (at most ${MAX_THREAD_ID_LENGTH})`
          : "a thread id uses only letters, digits, _ and -";
  throw new KiwiError({
    code: "INVALID_THREAD_ID",
    message: `${why}: try ${JSON.stringify(suggestion)}`,
    context: { thread_id: text.slice(0, 200), suggestion },
  });
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `<directive>_<YYYYMMDD>_<HHMMSS>` in UTC, the directive part sanitised (`a/b` → `a_b`). */
export function threadIdFor(directive: string, at: Date): string {
  const date = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
  const time = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
  const base = sanitizeThreadId(directive).slice(0, MAX_THREAD_ID_LENGTH - 20);
  return `${base}_${date}_${time}`;
}
