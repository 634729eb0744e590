import { sep } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { checkPathSyntax } from "./check-path-syntax";
import { ensureDirectory } from "./ensure-directory";
import { fsFailure } from "./fs-failure";
import { pathError } from "./path-error";
import { projectRoot } from "./project-root";
import { protectionProblem } from "./protection-problem";

export interface EnsureDirInRootOptions {
  /** The pinned project root. */
  readonly root: string;
  /** Project-relative directory, canonical (`/`-separated, no `.`, `..` or empty segments); `""` is the root. */
  readonly rel: string;
  /** Mode of the directories created (before the umask). Default 0o777. */
  readonly mode?: number;
  /** System capabilities the writer acts with, for protected paths (`registry.write` for `.ai/threads`). */
  readonly systemCaps?: readonly string[];
}

/**
 * Makes sure a directory exists inside the project, synchronously, for writers that are synchronous
 * (the thread registry and transcripts): the path's syntax and protection are checked first, then
 * each component from the real root must be a real directory — never a link, even one pointing inside —
 * and a missing one is created only once its parent passed. Returns the absolute directory and the
 * directories created, outermost first.
 */
export function ensureDirInRootSync(options: EnsureDirInRootOptions): { abs: string; created: string[] } {
  const { root, rel, systemCaps = [] } = options;
  try {
    const { real } = projectRoot(root);
    if (rel === "") return { abs: real, created: [] };
    const segments = rel.split("/");
    if (checkPathSyntax(rel) !== rel || segments.some((s) => s === "" || s === "." || s === "..")) {
      throw pathError(
        "PATH_INVALID",
        "not_canonical",
        rel,
        "name the directory in canonical form: NFC, without `.`, `..`, a leading `/` or extra slashes",
      );
    }
    // Case is folded (the safe default) rather than probed: this runs before anything is created.
    const problem = protectionProblem(rel, "write", systemCaps, true);
    if (problem !== undefined) throw problem;
    const abs = `${real}${sep}${segments.join(sep)}`;
    const created = ensureDirectory({ realRoot: real, dir: abs, create: true, rel, mode: options.mode });
    return { abs, created };
  } catch (error) {
    throw KiwiError.isInstance(error) ? error : fsFailure(error, rel);
  }
}
