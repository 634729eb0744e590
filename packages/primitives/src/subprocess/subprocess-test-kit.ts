// Test helpers for the subprocess tests (not exported from the package).
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PrimitiveContext } from "@kiwi/spec";
import { liveGroupMembers } from "./group-members";

export const FIXTURES = fileURLToPath(new URL("./__fixtures__/", import.meta.url));
export const ECHO_SERVER = join(FIXTURES, "jsonrpc-echo-server.mjs");
export const PRINT_ARGV = join(FIXTURES, "print-argv.mjs");

export interface TempProject {
  /** `<tmp>/project`, a realpath. */
  root: string;
  /** `<tmp>/outside`, a sibling holding secret.txt. */
  outside: string;
  cleanup(): Promise<void>;
}

export async function makeProject(): Promise<TempProject> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "kiwi-subprocess-")));
  const root = join(base, "project");
  const outside = join(base, "outside");
  await mkdir(join(root, "sub"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "OUTSIDE");
  return { root, outside, cleanup: () => rm(base, { recursive: true, force: true }) };
}

export function contextFor(
  projectRoot: string,
  extra: { meta?: Record<string, unknown>; signal?: AbortSignal } = {},
): PrimitiveContext {
  return { projectRoot, toolId: "test_tool", chain: ["test_tool", "subprocess"], meta: {}, ...extra };
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as dead). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** True while the group led by `pgid` has a live member (process table scan; zombies are dead). */
export function groupAlive(pgid: number): boolean {
  const members = liveGroupMembers(pgid);
  if (members === undefined) throw new Error("these tests need /proc to inspect process groups");
  return members.length > 0;
}

export interface RecordedEvent {
  event: string;
  data: string;
  truncated?: true;
}

export function recordingSink(id = "recorder") {
  const events: RecordedEvent[] = [];
  return {
    specificationVersion: "sink-v1" as const,
    id,
    events,
    async write(event: RecordedEvent) {
      events.push({ ...event });
    },
    async close() {},
  };
}
