import { existsSync } from "node:fs";
import { join } from "node:path";
import { createThreadRuntime, type ThreadRuntime } from "@kiwi/kiwi-harness";
import { KiwiError } from "@kiwi/spec";
import { type KernelFlags, projectFrom } from "../common-options";
import type { Io } from "../io";

type RuntimeOptions = Parameters<typeof createThreadRuntime>[0];

/** The project's registry file (where ThreadManager.open puts it by default). */
export function registryFileOf(flags: KernelFlags, io: Io): string {
  return join(projectFrom(flags, io), ".ai/threads/registry.db");
}

/** A models resolver for runtimes that only read and control threads: spawning through it fails. */
const noModels: RuntimeOptions["models"] = () => {
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: "this runtime only reads and controls threads: spawn with `kiwi thread run`",
  });
};

/** A ThreadRuntime (kernel + ThreadManager on the project's registry) for the CLI. */
export function openThreadRuntime(
  flags: KernelFlags,
  io: Io,
  options: {
    models?: RuntimeOptions["models"];
    onEvent?: RuntimeOptions["onEvent"];
    /** Package folders whose plugin packages the runtime's kernel adds (the providers installed with kiwi). */
    pluginPackagesFrom?: RuntimeOptions["pluginPackagesFrom"];
  } = {},
): Promise<ThreadRuntime> {
  return createThreadRuntime({
    projectRoot: projectFrom(flags, io),
    userSpace: flags["user-space"],
    env: io.env,
    models: options.models ?? noModels,
    onEvent: options.onEvent,
    ...(options.pluginPackagesFrom ? { pluginPackagesFrom: options.pluginPackagesFrom } : {}),
  });
}

/** Runs `fn` with a runtime on the project's registry and closes it afterwards. */
export async function withThreads<T>(
  flags: KernelFlags,
  io: Io,
  fn: (runtime: ThreadRuntime) => Promise<T> | T,
): Promise<T> {
  const runtime = await openThreadRuntime(flags, io);
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** True when the project has a thread registry (listing a project without one creates nothing). */
export function hasRegistry(flags: KernelFlags, io: Io): boolean {
  return existsSync(registryFileOf(flags, io));
}
