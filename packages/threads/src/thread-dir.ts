import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { ensureDirInRootSync, openDirAnchored } from "@kiwi/sandbox";
import { KiwiError } from "@kiwi/spec";

/** A refusal of the anchored folder (it was moved or swapped meanwhile) as the thread's TRANSCRIPT_UNAVAILABLE. */
function transcriptUnavailable(threadId: string, cause: KiwiError): KiwiError {
  return new KiwiError({
    code: "TRANSCRIPT_UNAVAILABLE",
    message: `.ai/threads/${threadId} could not be created: ${cause.message}`,
    context: { path: `.ai/threads/${threadId}`, reason: String(cause.context.reason ?? cause.code) },
    cause,
  });
}

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

/**
 * True when nothing is at `<root>/.ai/threads/<id>` yet (a new thread's folder): a single `lstat`, so
 * `spawn` can leave creating it to `ensureNewThreadDir` off its path. Anything there — a folder, a link —
 * takes the synchronous `ensureThreadDir` instead, whose refusal `spawn` throws at once.
 */
export function threadDirMissing(root: string, threadId: string): boolean {
  try {
    return lstatSync(join(root, ".ai/threads", threadId), { throwIfNoEntry: false }) === undefined;
  } catch {
    // ENOTDIR, EACCES…: the synchronous path says what is wrong (TRANSCRIPT_UNAVAILABLE).
    return false;
  }
}

/**
 * `ensureThreadDir(root, id)` for a thread's new folder, run once `spawn` has handed the thread back:
 * `.ai/threads` is checked first (nothing is created through a link), then the thread's folder is made
 * inside that very folder held open, then the same sandbox check runs again over every component, so
 * what is returned is a real folder inside the project. Refusals and failures are TRANSCRIPT_UNAVAILABLE.
 */
export async function ensureNewThreadDir(root: string, threadId: string): Promise<string> {
  const parent = ensureThreadDir(root);
  try {
    // Made inside the very folder that was checked, held open: on Linux the name is reached through
    // /proc/self/fd/<fd>, so `.ai/threads` swapped for a link meanwhile cannot move the new folder out of
    // the project (the sandbox's anchored directory; elsewhere its identity is re-checked).
    const dir = await openDirAnchored(realpathSync.native(root), parent, ".ai/threads");
    try {
      // Synchronous: a local mkdir takes tens of microseconds; through the busy thread pool
      // the thread waited ~1.5 ms longer for its folder (spawn → done of a
      // one-turn thread 7.0–7.7 ms async vs 5.1–5.9 ms sync, spawn's own return unchanged).
      mkdirSync(dir.child(threadId), { mode: 0o700 });
    } finally {
      await dir.close();
    }
  } catch (cause) {
    if (KiwiError.isInstance(cause)) throw transcriptUnavailable(threadId, cause);
    // EEXIST: made meanwhile (or a link put there) — the check below decides.
    if ((cause as { code?: unknown }).code !== "EEXIST") {
      throw new KiwiError({
        code: "TRANSCRIPT_UNAVAILABLE",
        message: `.ai/threads/${threadId} could not be created (${String((cause as { code?: unknown }).code ?? cause)}): check the disk's free space and the folder's permissions`,
        context: { path: `.ai/threads/${threadId}`, reason: "mkdir_failed" },
        cause,
      });
    }
  }
  return ensureThreadDir(root, threadId);
}
