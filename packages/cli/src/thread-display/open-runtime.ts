import { existsSync } from "node:fs";
import { join } from "node:path";
import { createThreadRuntime, type ThreadRuntime } from "@kiwi/kiwi-harness";
import { KiwiError } from "@kiwi/spec";
import { type KernelFlags, projectFrom } from "../common-options";
import type { Io } from "../io";
import { cliPackageDir } from "./find-providers";

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
    /**
     * Provider discovery (the library's) with the CLI's overrides (--provider, --model); the providers
     * installed with kiwi serve a project that has none. Without it (and without `models`) the runtime
     * only reads and controls threads.
     */
    providers?: Omit<NonNullable<RuntimeOptions["providers"]>, "fallbackFrom">;
    /** Checks the providers found before the registry is opened (a throw: nothing is created). */
    onProviders?: RuntimeOptions["onProviders"];
    /** `--allow-unpriced`: a USD budget may run on a model without pricing data (its cost unknown). */
    allowUnpriced?: boolean;
    /** The shared store the threads run on (the runtime closes it), its lease owner and lease time. */
    store?: RuntimeOptions["store"];
    owner?: string;
    leaseMs?: number;
    /** Children its threads spawn are queued for any worker (`kiwi worker`). */
    queueChild?: RuntimeOptions["queueChild"];
  } = {},
): Promise<ThreadRuntime> {
  const cliDir = cliPackageDir();
  return createThreadRuntime({
    projectRoot: projectFrom(flags, io),
    userSpace: flags["user-space"],
    env: io.env,
    ...(options.models || !options.providers ? { models: options.models ?? noModels } : {}),
    ...(options.providers
      ? { providers: { ...options.providers, ...(cliDir ? { fallbackFrom: [cliDir] } : {}) } }
      : {}),
    ...(options.onProviders ? { onProviders: options.onProviders } : {}),
    onEvent: options.onEvent,
    ...(options.allowUnpriced ? { allowUnpriced: true } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.owner !== undefined ? { owner: options.owner } : {}),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.queueChild ? { queueChild: options.queueChild } : {}),
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
