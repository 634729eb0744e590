import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";

function refuse(path: string, why: string): KiwiError {
  return new KiwiError({
    code: "TRANSCRIPT_UNAVAILABLE",
    message: `${path} ${why}: thread files stay inside the project's .ai/threads folder (remove the link and retry)`,
    context: { path, reason: why },
  });
}

/**
 * Creates `<root>/.ai/threads[/<id>]` one component at a time and refuses any component that is a
 * symbolic link or not a folder, so thread files (registry, transcripts, stream records) can never be
 * written through a link out of the project. `root` must be a real path. Returns the folder.
 */
export function ensureThreadDir(root: string, threadId?: string): string {
  const parts = [".ai", "threads", ...(threadId ? [threadId] : [])];
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    let stat: ReturnType<typeof lstatSync> | undefined;
    try {
      stat = lstatSync(dir);
    } catch {
      mkdirSync(dir, { mode: 0o700 });
      stat = lstatSync(dir);
    }
    if (stat.isSymbolicLink()) throw refuse(relative(root, dir), "is a symbolic link");
    if (!stat.isDirectory()) throw refuse(relative(root, dir), "is not a folder");
  }
  const real = realpathSync(dir);
  if (real !== dir && !real.startsWith(root + sep))
    throw refuse(relative(root, dir), "resolves outside the project");
  return dir;
}
