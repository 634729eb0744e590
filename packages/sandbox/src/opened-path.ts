import { existsSync } from "node:fs";
import { type FileHandle, readlink } from "node:fs/promises";

// Linux names the file behind a descriptor in /proc/self/fd; other systems give Node no such query.
const PROC_FD = existsSync("/proc/self/fd");

/** The kernel's current path of an open handle (Linux), or undefined where it cannot be asked. */
export async function openedPath(handle: FileHandle): Promise<string | undefined> {
  if (!PROC_FD) return undefined;
  return (await readlink(`/proc/self/fd/${handle.fd}`)).replace(/ \(deleted\)$/, "");
}
