import { pathError } from "./path-error";
import type { PathOp } from "./path-op";
import { probeCaseInsensitive } from "./probe-case-insensitive";
import { projectRoot } from "./project-root";
import { protectionProblem } from "./protection-problem";
import { resolveInRoot } from "./resolve-in-root";

export interface OperationTarget {
  readonly realRoot: string;
  readonly abs: string;
  readonly rel: string;
  readonly exists: boolean;
  readonly caseInsensitive: boolean;
}

/**
 * The shared entry of the safe file operations. `rel` must be canonical, i.e. what resolveInRoot
 * returned and what the caller checked scopes against: it is resolved again here and must come out
 * identical, so a link planted in between cannot move the operation to a path nobody checked.
 * Then the deny-first protected-path check runs.
 */
export async function resolveForOperation(
  root: string,
  rel: string,
  op: PathOp,
  systemCaps: readonly string[],
): Promise<OperationTarget> {
  const resolved = await resolveInRoot({ root, requested: rel === "" ? "." : rel, op });
  if (resolved.rel !== rel) {
    throw pathError(
      "PATH_INVALID",
      "not_canonical",
      rel,
      "pass the `rel` that resolveInRoot returned (no `.`, `..`, links or extra slashes) and retry",
    );
  }
  const { real } = await projectRoot(root);
  const caseInsensitive = await probeCaseInsensitive(real);
  const problem = protectionProblem(resolved.rel, op, systemCaps, caseInsensitive);
  if (problem !== undefined) throw problem;
  return { realRoot: real, abs: resolved.abs, rel: resolved.rel, exists: resolved.exists, caseInsensitive };
}
