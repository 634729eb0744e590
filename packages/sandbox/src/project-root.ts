import { realpathSync, statSync } from "node:fs";
import { isAbsolute, resolve, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";

export interface ProjectRoot {
  /** The root as given, normalised (`/tmp/proj`): one spelling an absolute request may use. */
  readonly given: string;
  /** Its realpath (`/private/tmp/proj`): the one every containment check uses. */
  readonly real: string;
}

/**
 * Resolves the pinned project root. The root is configuration, never a request parameter, so a bad
 * root is INVALID_INPUT, not a path error. The file-system root itself is refused: a sandbox that is
 * the whole disk is no sandbox (gap G12). Synchronous (two metadata calls), so the synchronous
 * writers (thread folders) and the asynchronous operations share this one check.
 */
export function projectRoot(root: string): ProjectRoot {
  if (typeof root !== "string" || !isAbsolute(root) || root.includes("\u0000")) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "the project root must be an absolute path; pin it at startup",
    });
  }
  let real: string;
  try {
    // The native realpath(3): one call, where the JS version lstats every component of the root itself.
    real = realpathSync.native(root);
  } catch (cause) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "the project root does not exist; create it or fix the configuration",
      cause,
    });
  }
  if (real === sep || resolve(root) === sep) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "refusing the file-system root as a project root; pin the project directory",
    });
  }
  if (!statSync(real).isDirectory()) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "the project root is not a directory; pin the project directory",
    });
  }
  return { given: resolve(root), real };
}
