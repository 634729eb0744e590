import type { Stats } from "node:fs";
import { pathError } from "./path-error";
import type { PathOp } from "./path-op";
import { probeCaseInsensitive } from "./probe-case-insensitive";
import { protectionProblem } from "./protection-problem";
import { resolveUnchecked } from "./resolve-in-root";
import { withPathErrors } from "./with-path-errors";

export interface OperationTarget {
  readonly realRoot: string;
  readonly abs: string;
  readonly rel: string;
  readonly exists: boolean;
  readonly caseInsensitive: boolean;
  /** lstat of `abs` as the resolution saw it, when it exists. */
  readonly info: Stats | undefined;
}

export interface ResolveForOperationOptions {
  readonly root: string;
  /** Canonical project-relative path, as returned by resolveInRoot. */
  readonly rel: string;
  readonly op: PathOp;
  /** System capabilities the caller holds, for protected paths. */
  readonly systemCaps: readonly string[];
  /** A "write" replaces a final link instead of refusing it (see ResolveInRootOptions). */
  readonly replaceLink?: boolean;
}

/**
 * The shared entry of the safe file operations. `rel` must be canonical, i.e. what resolveInRoot
 * returned and what the caller checked scopes against: it is resolved again here and must come out
 * identical, so a link planted in between cannot move the operation to a path nobody checked.
 * Then the deny-first protected-path check runs.
 */
export async function resolveForOperation(options: ResolveForOperationOptions): Promise<OperationTarget> {
  const { root, rel, op, systemCaps, replaceLink } = options;
  const requested = rel === "" ? "." : rel;
  const resolved = await withPathErrors(requested, async () =>
    resolveUnchecked({ root, requested, op, replaceLink }),
  );
  if (resolved.rel !== rel) {
    throw pathError(
      "PATH_INVALID",
      "not_canonical",
      rel,
      "pass the `rel` that resolveInRoot returned (no `.`, `..`, links or extra slashes) and retry",
    );
  }
  const real = resolved.realRoot;
  const caseInsensitive = await probeCaseInsensitive(real);
  const problem = protectionProblem(resolved.rel, op, systemCaps, caseInsensitive);
  if (problem !== undefined) throw problem;
  return {
    realRoot: real,
    abs: resolved.abs,
    rel: resolved.rel,
    exists: resolved.exists,
    caseInsensitive,
    info: resolved.info,
  };
}
