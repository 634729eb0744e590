import { lstatSync, type Stats, statSync } from "node:fs";
import { relative, sep } from "node:path";
import type { KiwiError } from "@kiwi/spec";
import { checkPathSyntax } from "./check-path-syntax";
import { errnoOf } from "./errno-of";
import { isInside } from "./is-inside";
import { pathError } from "./path-error";
import type { PathOp } from "./path-op";
import { projectRoot } from "./project-root";
import { realpathLoose, SymlinkLoopError } from "./realpath-loose";
import { specialFileError } from "./special-file-error";
import { withPathErrors } from "./with-path-errors";

export interface ResolveInRootOptions {
  /** The pinned project root (either spelling when it is reached through a symlink). */
  readonly root: string;
  /** The path a caller asked for: relative to the root, or absolute when `allowAbsolute`. */
  readonly requested: string;
  readonly op: PathOp;
  /** Accept absolute spellings of paths INSIDE the root (relativized). Absolute paths elsewhere are still outside. */
  readonly allowAbsolute?: boolean;
  /**
   * For "write": a final component that is a symlink is the target itself, to be replaced by the new
   * file (the link, never what it points to), instead of being refused. Writers that publish a whole
   * file by rename (item writes, `kiwi init`) use it; the filesystem primitive does not.
   */
  readonly replaceLink?: boolean;
}

export interface ResolvedPath {
  /** Real absolute path the operation must use (links already resolved, never a link itself). */
  readonly abs: string;
  /** Project-relative path of `abs`, `/`-separated, `""` for the root: what scopes are checked against. */
  readonly rel: string;
  /** Whether `abs` exists now. */
  readonly exists: boolean;
}

/**
 * Resolves a requested path inside the pinned project root, or throws a path KiwiError:
 *
 * 1. syntax (`PATH_INVALID`: nul, control, ignorable_codepoint, windows_form, lookalike, too_long, …);
 * 2. absolute paths are `PATH_OUTSIDE_PROJECT`/absolute_denied, even inside the root, unless
 *    `allowAbsolute` (then inside-root spellings are relativized, anything else is outside_root);
 * 3. `..` is resolved lexically; climbing above the root is `PATH_OUTSIDE_PROJECT`/outside_root;
 * 4. each component is walked with lstat from the real root; every symlink is resolved (dangling ones
 *    too) and must stay inside, else `PATH_OUTSIDE_PROJECT`/symlink_escape; the walk stops at the first
 *    missing component, whose parent is by then a real, contained directory;
 * 5. for "write" and "delete" a final component that is a symlink is refused even when it points inside
 *    (`PATH_INVALID`/final_symlink), so nothing is ever written or deleted through a link — unless
 *    `replaceLink` asks for the link itself to be replaced by a "write";
 * 6. FIFOs, sockets and devices are `PATH_SPECIAL_FILE`; writing or deleting the root is `PATH_PROTECTED`.
 *
 * `rel` is where the path really leads, so scope and protected-path checks see the link target, not the
 * link name. Protected paths (isProtectedPath) are the caller's deny-first check on `rel`.
 */
export function resolveInRoot(options: ResolveInRootOptions): Promise<ResolvedPath> {
  return withPathErrors(options.requested, async () => {
    const { abs, rel, exists } = resolveUnchecked(options);
    return { abs, rel, exists };
  });
}

/** What the walk knows besides the answer, for the sandbox's own operations (not exported). */
export interface WalkedPath extends ResolvedPath {
  /** The project root's realpath the walk started from. */
  readonly realRoot: string;
  /** lstat of `abs` as the walk saw it, when it exists. */
  readonly info: Stats | undefined;
}

/**
 * The walk itself, synchronous on purpose: one lstat per component of a local path costs far less than
 * a thread-pool round trip each, and this runs on every write a thread makes (its stream record). It
 * throws raw errors too: callers wrap it in withPathErrors.
 */
export function resolveUnchecked(options: ResolveInRootOptions): WalkedPath {
  const { requested, op } = options;
  const root = projectRoot(options.root);
  const path = checkPathSyntax(requested);
  const segments = path.startsWith("/")
    ? relativizeAbsolute(path, root.given, root.real, requested, options.allowAbsolute === true)
    : lexicalSegments(path.split("/"), requested);

  let cur = root.real;
  let exists = true;
  let followedLink = false;
  // lstat of the last component when the walk reached it directly (no link followed there).
  let lastInfo: Stats | undefined;
  for (const [i, name] of segments.entries()) {
    const last = i === segments.length - 1;
    const next = `${cur}${sep}${name}`;
    if (!exists) {
      cur = next;
      continue;
    }
    let info: Stats;
    try {
      info = lstatSync(next);
    } catch (error) {
      if (errnoOf(error) !== "ENOENT") throw walkFailure(error, requested);
      exists = false;
      cur = next;
      continue;
    }
    if (info.isSymbolicLink() && last && op === "write" && options.replaceLink === true) {
      cur = next; // the link itself is the target: a rename replaces it, nothing follows it
      continue;
    }
    if (info.isSymbolicLink()) {
      const dest = followLink(next, requested);
      if (!isInside(root.real, dest.real)) throw symlinkEscape(requested, last);
      if (last && (op === "write" || op === "delete")) {
        throw pathError(
          "PATH_INVALID",
          "final_symlink",
          requested,
          `the path is a symbolic link and Kiwi never ${op === "write" ? "writes" : "deletes"} through links; use the path it points to`,
        );
      }
      followedLink = true;
      cur = dest.real;
      exists = dest.exists;
      if (!last && exists && !statSync(cur).isDirectory()) throw notDirectory(requested);
      continue;
    }
    if (!last && !info.isDirectory()) throw notDirectory(requested);
    if (last) lastInfo = info;
    cur = next;
  }

  const rel = relative(root.real, cur).split(sep).join("/");
  // A link may lead to a name no request could spell (`secret.txt.`, a newline): refuse it the same way.
  if (followedLink && rel !== "") checkPathSyntax(rel);
  let info: Stats | undefined;
  if (exists) {
    // The walk's own lstat of the file when it had one; else now (the root, a link's target). Gone since
    // (a race): reported as missing rather than failing.
    info = lastInfo ?? lstatSync(cur, { throwIfNoEntry: false });
    exists = info !== undefined;
    if (
      info !== undefined &&
      (info.isFIFO() || info.isSocket() || info.isCharacterDevice() || info.isBlockDevice())
    ) {
      throw specialFileError(requested);
    }
  }
  if (rel === "" && (op === "write" || op === "delete")) {
    throw pathError(
      "PATH_PROTECTED",
      "project_root",
      requested,
      `the project root itself can never be ${op === "write" ? "overwritten" : "deleted"}; name a path inside it`,
    );
  }
  return { abs: cur, rel, exists, realRoot: root.real, info };
}

/** Resolves `.` and `..` lexically; climbing above the start is an escape. */
function lexicalSegments(parts: readonly string[], requested: string): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) {
        throw pathError(
          "PATH_OUTSIDE_PROJECT",
          "outside_root",
          requested,
          "the path climbs above the project root with `..`; use a path inside the project",
        );
      }
      out.pop();
    } else out.push(part);
  }
  return out;
}

function relativizeAbsolute(
  path: string,
  given: string,
  real: string,
  requested: string,
  allow: boolean,
): string[] {
  if (!allow) {
    throw pathError(
      "PATH_OUTSIDE_PROJECT",
      "absolute_denied",
      requested,
      "absolute paths are not accepted; give the path relative to the project root",
    );
  }
  // POSIX: `..` at `/` stays at `/`.
  const abs: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") abs.pop();
    else abs.push(part);
  }
  for (const spelling of [real, given]) {
    const rootParts = spelling.split(sep).filter((p) => p !== "");
    if (rootParts.every((p, i) => abs[i] === p)) return abs.slice(rootParts.length);
  }
  throw pathError(
    "PATH_OUTSIDE_PROJECT",
    "outside_root",
    requested,
    "the absolute path is outside the project root; use a path inside the project",
  );
}

function followLink(linkPath: string, requested: string) {
  try {
    return realpathLoose(linkPath);
  } catch (error) {
    if (error instanceof SymlinkLoopError) {
      throw pathError(
        "PATH_INVALID",
        "symlink_loop",
        requested,
        "the path goes through a symbolic link loop; fix or remove the link",
      );
    }
    throw walkFailure(error, requested);
  }
}

/** `final_link` tells a caller the escaping link is the last component (the file itself), not a folder. */
function symlinkEscape(requested: string, last: boolean): KiwiError {
  return pathError(
    "PATH_OUTSIDE_PROJECT",
    "symlink_escape",
    requested,
    "the path goes through a symbolic link that leads outside the project; Kiwi never follows it. Use a path inside the project",
    last ? { final_link: true } : {},
  );
}

function notDirectory(requested: string): KiwiError {
  return pathError(
    "PATH_INVALID",
    "not_directory",
    requested,
    "a component of the path is a file, not a directory",
  );
}

function walkFailure(error: unknown, requested: string): KiwiError {
  if (errnoOf(error) === "ENOTDIR" || errnoOf(error) === "ENOENT") return notDirectory(requested);
  if (errnoOf(error) === "ELOOP") {
    return pathError(
      "PATH_INVALID",
      "symlink_loop",
      requested,
      "the path goes through a symbolic link loop; fix or remove the link",
    );
  }
  return pathError(
    "PATH_INVALID",
    "io_error",
    requested,
    `the file system refused to resolve the path (${errnoOf(error) ?? "unknown error"})`,
    {
      errno: errnoOf(error),
    },
  );
}
