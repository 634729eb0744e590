import { lstat, mkdir, realpath } from "node:fs/promises";
import { join, posix, sep, win32 } from "node:path";
import { KiwiError } from "@kiwi/spec";

/** Where a sink file will be opened: its absolute path under the real project root. */
export interface ResolvedSinkPath {
  /** Absolute path; every folder on it is a real directory inside the project. */
  readonly file: string;
  /** The folder holding `file` (a real path). */
  readonly dir: string;
  /** Folders this call created, outermost first (their parents get fsynced on close). */
  readonly created: readonly string[];
}

type Reason = "invalid" | "nul_byte" | "absolute" | "dot_dot" | "symlink_parent" | "symlink_final";

const REASON_TEXT: Record<Reason, string> = {
  invalid: "it is empty, names a folder, or holds a control character or backslash",
  nul_byte: "it holds a NUL byte",
  absolute: "it is absolute",
  dot_dot:
    "it holds a .. segment (sink paths never go up: a templated value such as a thread id must not move the file)",
  symlink_parent: "a folder on it is a symlink that leads outside the project",
  symlink_final: "the file itself is a symlink (sinks never write through a link)",
};

export function outside(path: string, reason: Reason, cause?: unknown): KiwiError {
  return new KiwiError({
    code: "PATH_OUTSIDE_PROJECT",
    message: `sink path refused: ${REASON_TEXT[reason]}. Use a project-relative path such as .ai/threads/<id>/events.jsonl`,
    context: { path: path.replaceAll("\0", "\\0"), reason },
    cause,
  });
}

export function isInside(root: string, candidate: string): boolean {
  const base = root.endsWith(sep) ? root : root + sep;
  return candidate === root || candidate.startsWith(base);
}

/** Syntax first, so nothing touches the disk for a path that can never be valid. Returns the segments. */
function lexicalSegments(path: string): string[] {
  if (path.includes("\0")) throw outside(path, "nul_byte");
  if (posix.isAbsolute(path) || win32.isAbsolute(path) || /^[A-Za-z]:/.test(path)) {
    throw outside(path, "absolute");
  }
  // Backslash and control characters are refused on every OS: one portable rule, no transcript injection.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  if (path === "" || /[\u0001-\u001f\u007f\\]/.test(path) || path.endsWith("/"))
    throw outside(path, "invalid");
  // Any `..` is refused, not only one that leaves the project: `.ai/threads/{thread_id}/x.jsonl` with the
  // thread id `../other` stays inside the project yet writes into another thread's folder.
  const out = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (out.includes("..")) throw outside(path, "dot_dot");
  if (out.length === 0) throw outside(path, "invalid");
  return out;
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Confines a sink file to the project: refuses NUL, absolute paths and any `..` segment lexically, then walks
 * the folders from the real project root with lstat. A folder that is a symlink must resolve inside the
 * project; missing folders are created one at a time, always inside a folder already proven to be inside.
 * A final component that is a symlink is refused (the open uses O_NOFOLLOW as well). The project root itself
 * may be reached through a symlink (`/tmp` → `/private/tmp`).
 */
export async function resolveSinkPath(projectRoot: string, path: string): Promise<ResolvedSinkPath> {
  const segments = lexicalSegments(path);
  const root = await realpath(projectRoot);
  const name = segments.pop() as string;
  const created: string[] = [];
  let dir = root;
  for (const segment of segments) {
    const next = join(dir, segment);
    let info = await lstatOrNull(next);
    if (info === null) {
      try {
        await mkdir(next);
        created.push(next);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      info = await lstat(next);
    }
    if (info.isSymbolicLink()) {
      const real = await realpath(next).catch((cause) => {
        throw outside(path, "symlink_parent", cause);
      });
      if (!isInside(root, real)) throw outside(path, "symlink_parent");
      dir = real;
    } else dir = next;
    if (!(await lstat(dir)).isDirectory()) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `sink path refused: ${segment} on ${path} is not a folder`,
        context: { path },
      });
    }
  }
  const file = join(dir, name);
  const existing = await lstatOrNull(file);
  if (existing?.isSymbolicLink()) throw outside(path, "symlink_final");
  if (existing && !existing.isFile()) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `sink path refused: ${path} exists and is not a regular file (a folder, FIFO or device); choose another path`,
      context: { path },
    });
  }
  return { file, dir, created };
}
