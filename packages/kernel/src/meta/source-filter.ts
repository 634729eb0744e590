import { realpathSync } from "node:fs";
import { KiwiError } from "@kiwi/spec";
import type { KernelContext } from "../kernel-context";
import type { ItemSource } from "../spaces/item-source";

/** Which spaces a `source` argument admits. */
export function sourceFilter(source: string): (space: ItemSource) => boolean {
  switch (source) {
    case "all":
    case "any":
      return () => true;
    case "local":
      return (s) => s.kind !== "registry";
    case "plugins":
      return (s) => s.kind === "plugin";
    default:
      return (s) => s.kind === source;
  }
}

/** `project_path` can only confirm the pinned project, never move it. */
export function checkProjectPath(ctx: KernelContext, projectPath: string | undefined): void {
  if (projectPath === undefined) return;
  let real: string | undefined;
  try {
    real = realpathSync(projectPath);
  } catch {
    real = undefined;
  }
  if (real !== ctx.settings.projectRoot) {
    throw new KiwiError({
      code: "PROJECT_MISMATCH",
      message: `this server serves ${ctx.settings.projectRoot}; project_path ${projectPath} is a different project: start a server for it, or omit project_path`,
      context: { project_root: ctx.settings.projectRoot },
    });
  }
}
