import { readdirSync, readFileSync } from "node:fs";

/**
 * The live (non-zombie) members of process group `pgid`, read from /proc; `undefined` where /proc is not
 * available. `kill(-pgid, 0)` alone is not enough: it also counts killed orphans that init has not reaped
 * yet, which can take seconds, and would make every group kill wait out its whole grace period.
 */
export function liveGroupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") members.push(Number(entry));
  }
  return members;
}
