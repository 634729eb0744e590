import { protectedPathDenial } from "@kiwi/capabilities";
import type { KiwiError } from "@kiwi/spec";
import { pathError } from "./path-error";
import type { PathOp } from "./path-op";

/**
 * The PATH_PROTECTED refusal for `rel` under `op`, or undefined when allowed: `protectedPathDenial` of
 * @kiwi/capabilities with the `systemCaps` the caller acts with. Writes and deletes need the path's
 * system capability (and `.env`, `package.json`, lockfiles, `node_modules` are never written); reads
 * and listings are refused where no capability opens the path (`.git`, keys) and, for `.ai/threads/**`
 * (the registry and every thread's transcript), without `registry.read`.
 */
export function protectionProblem(
  rel: string,
  op: PathOp,
  systemCaps: readonly string[],
  caseInsensitive: boolean,
): KiwiError | undefined {
  const denial = protectedPathDenial(rel, {
    write: op === "write" || op === "delete",
    systemCaps,
    caseInsensitive,
  });
  if (denial === undefined) return undefined;
  return pathError(
    "PATH_PROTECTED",
    "protected",
    rel,
    denial.message,
    denial.needs ? { needs: denial.needs } : {},
  );
}
