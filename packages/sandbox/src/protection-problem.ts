import { isProtectedPath } from "@kiwi/capabilities";
import type { KiwiError } from "@kiwi/spec";
import { pathError } from "./path-error";
import type { PathOp } from "./path-op";

/**
 * The PATH_PROTECTED refusal for `rel` under `op`, or undefined when allowed. Writes and deletes need
 * the path's system capability in `systemCaps`; reads and listings are refused only where no
 * capability unlocks the path (`.git`, key directories), since reading an item is ordinary.
 */
export function protectionProblem(
  rel: string,
  op: PathOp,
  systemCaps: readonly string[],
  caseInsensitive: boolean,
): KiwiError | undefined {
  const verdict = isProtectedPath(rel, { caseInsensitive });
  if (!verdict.protected) return undefined;
  if (verdict.needs === undefined) {
    return pathError(
      "PATH_PROTECTED",
      "protected",
      rel,
      "this path is protected and no capability opens it to file tools (.git: use git; keys live outside the project)",
    );
  }
  if (op === "read" || op === "list" || systemCaps.includes(verdict.needs)) return undefined;
  return pathError(
    "PATH_PROTECTED",
    "protected",
    rel,
    `this path is protected; changing it needs the system capability ${verdict.needs}, which only core directives hold`,
    { needs: verdict.needs },
  );
}
