import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function outside(cwd: string): KiwiError {
  return new KiwiError({
    code: "PATH_OUTSIDE_PROJECT",
    message: `subprocess cwd "${cwd}" resolves outside the project; use a directory inside the project root`,
    context: { field: "cwd", path: cwd },
  });
}

/**
 * Resolves `cwd` (project-relative; default the project root) to a real directory inside the project.
 * Checked twice: lexically first (`..`, absolute paths), then after realpath, so a symlink inside the
 * project pointing out of it is refused too. Nothing is spawned when this throws.
 */
export async function confineCwd(projectRoot: string, cwd: string | undefined): Promise<string> {
  const root = await realpath(projectRoot);
  if (cwd === undefined || cwd === "" || cwd === ".") return root;
  const target = resolve(root, cwd);
  if (!inside(root, target)) throw outside(cwd);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `subprocess cwd "${cwd}" does not exist in the project; create it or fix the path`,
      context: { field: "cwd", path: cwd },
    });
  }
  if (!inside(root, real)) throw outside(cwd);
  if (!(await stat(real)).isDirectory())
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `subprocess cwd "${cwd}" is not a directory`,
      context: { field: "cwd", path: cwd },
    });
  return real;
}
