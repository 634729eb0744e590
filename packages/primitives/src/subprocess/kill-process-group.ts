import { setTimeout as sleep } from "node:timers/promises";
import { liveGroupMembers } from "./group-members";

/** Sends a signal to every process of the group led by `pid`; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    // ESRCH: nobody left. EPERM: the group now belongs to someone else (pid reuse); do not touch it.
    return false;
  }
}

/** Whether any member of the group is still running (zombies awaiting init's reaping do not count). */
function groupAlive(pid: number): boolean {
  if (!signalGroup(pid, 0)) return false;
  const members = liveGroupMembers(pid);
  return members === undefined || members.length > 0;
}

/**
 * Terminates a whole process group: SIGTERM to `-pid`, then SIGKILL once `graceMs` has passed while any
 * member is still alive. Signalling the group (not the child) is what reaches forked grandchildren;
 * SIGKILL is what ends a child that traps or ignores SIGTERM. Resolves once no member is running (or,
 * after SIGKILL, once a short settling wait has passed), so a caller may rely on "nothing left alive".
 */
export async function killProcessGroup(pid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pid, "SIGTERM")) return;
  if (await waitForGroupExit(pid, graceMs)) return;
  signalGroup(pid, "SIGKILL");
  await waitForGroupExit(pid, SIGKILL_SETTLE_MS);
}

const SIGKILL_SETTLE_MS = 1000;

async function waitForGroupExit(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    if (!groupAlive(pid)) return true;
  }
  return !groupAlive(pid);
}
