import { ensureDirInRootSync } from "@kiwi/sandbox";
import { KiwiError } from "@kiwi/spec";

const WHY: Record<string, string> = {
  symlink_escape: "is a symbolic link",
  not_directory: "is not a folder",
};

/**
 * Creates `<root>/.ai/threads[/<id>]` through the sandbox (ensureDirInRootSync of @kiwi/sandbox): one
 * component at a time with mode 0700, each checked before anything is created below it, any symbolic
 * link or non-folder refused, so thread files (registry, transcripts, stream records) can never be
 * written through a link out of the project. The runtime writes there with `registry.write`. Refusals
 * are TRANSCRIPT_UNAVAILABLE. Returns the folder.
 */
export function ensureThreadDir(root: string, threadId?: string): string {
  const rel = threadId ? `.ai/threads/${threadId}` : ".ai/threads";
  try {
    return ensureDirInRootSync({ root, rel, mode: 0o700, systemCaps: ["registry.write"] }).abs;
  } catch (error) {
    if (!KiwiError.isInstance(error)) throw error;
    const reason = String(error.context.reason);
    const why = WHY[reason] ?? error.message;
    throw new KiwiError({
      code: "TRANSCRIPT_UNAVAILABLE",
      message: `${rel} ${why}: thread files stay inside the project's .ai/threads folder (remove the link and retry)`,
      context: { path: rel, reason: WHY[reason] ?? reason },
      cause: error,
    });
  }
}
