import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { Kernel, KernelOptions } from "@kiwi/kernel";
import { createMcpKernel } from "@kiwi/mcp";
import type { Io } from "./io";

/** Options every kernel-backed command accepts. */
export const kernelOptions = {
  project: { type: "string", short: "p" },
  "user-space": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

export interface KernelFlags {
  project?: string;
  "user-space"?: string;
  json?: boolean;
}

/** Terminal commands work on --project, else KIWI_PROJECT, else the current directory (shown in output). */
export function projectFrom(flags: KernelFlags, io: Io): string {
  const raw = flags.project ?? io.env.KIWI_PROJECT ?? io.cwd;
  return isAbsolute(raw) ? raw : resolve(io.cwd, raw);
}

/** The user space: --user-space, else KIWI_USER_SPACE, else ~/.ai (what the kernel resolves too). */
export function userSpaceFrom(flags: KernelFlags, io: Io): string {
  return resolve(io.cwd, flags["user-space"] ?? io.env.KIWI_USER_SPACE ?? join(homedir(), ".ai"));
}

export async function kernelFrom(
  flags: KernelFlags,
  io: Io,
  extra: Pick<KernelOptions, "pluginPackagesFrom"> = {},
): Promise<Kernel> {
  return createMcpKernel({
    projectRoot: projectFrom(flags, io),
    userSpace: userSpaceFrom(flags, io),
    env: io.env,
    // The person at their own terminal: `kiwi sign`, `init` and `connect` write items with their key.
    // `kiwi serve` never passes this (its MCP clients need item.sign like any other caller).
    personAtTerminal: true,
    ...extra,
  });
}
