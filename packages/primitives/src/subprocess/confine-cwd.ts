import { stat } from "node:fs/promises";
import { resolveInRoot } from "@kiwi/sandbox";
import { KiwiError } from "@kiwi/spec";

function outside(cwd: string, cause: unknown): KiwiError {
  return new KiwiError({
    code: "PATH_OUTSIDE_PROJECT",
    message: `subprocess cwd "${cwd}" resolves outside the project; use a directory inside the project root`,
    context: { field: "cwd", path: cwd },
    cause,
  });
}

function notUsable(cwd: string, what: string, cause?: unknown): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `subprocess cwd "${cwd}" ${what}`,
    context: { field: "cwd", path: cwd },
    cause,
  });
}

/**
 * Resolves `cwd` (project-relative or an absolute path inside the project; default the project root) to
 * a real directory inside the project through the sandbox (resolveInRoot of @kiwi/sandbox): `..` that
 * climbs out, absolute paths elsewhere and symlinks leading out are PATH_OUTSIDE_PROJECT. Nothing is
 * spawned when this throws.
 */
export async function confineCwd(projectRoot: string, cwd: string | undefined): Promise<string> {
  const requested = cwd === undefined || cwd === "" ? "." : cwd;
  let resolved: Awaited<ReturnType<typeof resolveInRoot>>;
  try {
    resolved = await resolveInRoot({ root: projectRoot, requested, op: "list", allowAbsolute: true });
  } catch (error) {
    if (!KiwiError.isInstance(error)) throw error;
    if (error.code === "PATH_OUTSIDE_PROJECT") throw outside(requested, error);
    if (error.code === "PATH_SPECIAL_FILE" || error.context.reason === "not_directory")
      throw notUsable(requested, "is not a directory", error);
    throw error;
  }
  if (!resolved.exists)
    throw notUsable(requested, "does not exist in the project; create it or fix the path");
  if (!(await stat(resolved.abs)).isDirectory()) throw notUsable(requested, "is not a directory");
  return resolved.abs;
}
