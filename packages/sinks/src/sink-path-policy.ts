import { posix, win32 } from "node:path";
import { KiwiError } from "@kiwi/spec";

/**
 * The system capabilities a sink writes with: stream records live in thread folders (`.ai/threads/**`,
 * the runtime's `registry.write`), so the sandbox refuses every other protected path (`.git`, keys, the
 * items under `.ai/`) whatever a templated path says.
 */
export const SINK_SYSTEM_CAPS: readonly string[] = ["registry.write"];

export type SinkPathReason =
  | "invalid"
  | "nul_byte"
  | "absolute"
  | "dot_dot"
  | "symlink_parent"
  | "symlink_final"
  | "link_in_path";

const REASON_TEXT: Record<SinkPathReason, string> = {
  invalid: "it is empty, names a folder, or holds a control character or backslash",
  nul_byte: "it holds a NUL byte",
  absolute: "it is absolute",
  dot_dot:
    "it holds a .. segment (sink paths never go up: a templated value such as a thread id must not move the file)",
  symlink_parent: "a folder on it is a symlink that leads outside the project",
  symlink_final: "the file itself is a symlink (sinks never write through a link)",
  link_in_path:
    "a folder on it is a symlink, or became one after the path was checked (a sink opens exactly the path it is given, through real folders only: name the real path; the kernel passes the resolved path it checked)",
};

/** A sink path refusal: PATH_OUTSIDE_PROJECT with the sink's own `reason`. */
export function outside(path: string, reason: SinkPathReason, cause?: unknown, detail?: string): KiwiError {
  return new KiwiError({
    code: "PATH_OUTSIDE_PROJECT",
    message: `sink path refused: ${detail ?? REASON_TEXT[reason]}. Use a project-relative path such as .ai/threads/<id>/events.jsonl`,
    context: { path: path.replaceAll("\0", "\\0"), reason },
    cause,
  });
}

/**
 * The sink's own rule for a configured (often templated) path, checked before anything touches the
 * disk: relative, no NUL, no control character or backslash, not a folder, and no `..` at all — not
 * only one that leaves the project: `.ai/threads/{thread_id}/x.jsonl` with the thread id `../other`
 * stays inside yet writes into another thread's folder. Returns the path for the sandbox to resolve.
 */
export function sinkRequest(path: string): string {
  if (path.includes("\0")) throw outside(path, "nul_byte");
  if (posix.isAbsolute(path) || win32.isAbsolute(path) || /^[A-Za-z]:/.test(path)) {
    throw outside(path, "absolute");
  }
  // Backslash and control characters are refused on every OS: one portable rule, no transcript injection.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  if (path === "" || /[\u0001-\u001f\u007f\\]/.test(path) || path.endsWith("/"))
    throw outside(path, "invalid");
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw outside(path, "dot_dot");
  if (segments.length === 0) throw outside(path, "invalid");
  return segments.join("/");
}
