import { isProtectedPath } from "./is-protected-path";

/** Why a protected path is refused to an operation: the capability that would open it, and the fix. */
export interface ProtectedPathDenial {
  /** The system capability that opens the path to this operation; absent when none does. */
  readonly needs?: string;
  /** What to tell the caller (the path itself is not in it: callers show it their own way). */
  readonly message: string;
}

/**
 * The one decision on protected paths that the guard's `checkPath` and every operation of
 * @kiwi/sandbox share: `undefined` when the operation may go ahead with `systemCaps`, else why not.
 * Writes and deletes (`write: true`) need the path's `needs`; reads and listings need its `reads`.
 */
export function protectedPathDenial(
  rel: string,
  options: { write: boolean; systemCaps: readonly string[]; caseInsensitive?: boolean },
): ProtectedPathDenial | undefined {
  const verdict = isProtectedPath(rel, { caseInsensitive: options.caseInsensitive });
  if (!verdict.protected) return undefined;
  if (verdict.reads === "never") {
    return {
      message:
        "this path is protected and no capability opens it to file tools (.git: use git; keys live outside the project)",
    };
  }
  const needs = options.write ? verdict.needs : verdict.reads;
  if (options.write && needs === undefined) {
    return {
      message:
        "this path is protected from writes: no capability lets a thread change .env, .npmrc, package.json, lockfiles or node_modules (they steer what runs the next time you install or run anything here); change it yourself",
    };
  }
  if (needs === undefined || options.systemCaps.includes(needs)) return undefined;
  return {
    needs,
    message: options.write
      ? `this path is protected; changing it needs the system capability ${needs}, which only core directives hold`
      : `this path is protected; reading it needs the system capability ${needs} (the thread registry and other threads' transcripts), which only core directives hold`,
  };
}
