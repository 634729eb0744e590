/** Exit codes a script can rely on. */
export const EXIT = {
  ok: 0,
  /** The operation ran and failed (a Kiwi error code is printed). */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
} as const;

/** A command-line mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
