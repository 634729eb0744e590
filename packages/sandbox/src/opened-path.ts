import { existsSync, readlinkSync } from "node:fs";

// Linux names the file behind a descriptor in /proc/self/fd; other systems give Node no such query.
const PROC_FD = existsSync("/proc/self/fd");

/**
 * The kernel's current path of an open descriptor (Linux), or undefined where it cannot be asked.
 * Synchronous: /proc answers from memory, no thread-pool round trip is worth it.
 */
export function openedPath(fd: number): string | undefined {
  if (!PROC_FD) return undefined;
  return readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, "");
}
