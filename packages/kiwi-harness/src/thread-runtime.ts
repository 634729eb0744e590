import { type CapabilityClaims, orchestrationAdmits, TokenVerifier } from "@kiwi/capabilities";
import { createKernel, type Kernel, type KernelOptions } from "@kiwi/kernel";
import { KiwiError, type PrimitiveV1, type ProviderV1 } from "@kiwi/spec";
import {
  createThreadsPrimitive,
  type SpawnResult,
  secretsFromEnv,
  type ThreadHandle,
  ThreadManager,
  threadIdFor,
} from "@kiwi/threads";
import type { CostLimits } from "./budget";
import type { HarnessEvent } from "./harness-events";
import { KIWI_HARNESS_PACKAGE_DIR } from "./own-package";
import { checkpointOf } from "./runtime/checkpoint-of";
import { coreSpawnToken } from "./runtime/core-token";
import { type DirectiveModel, type LoadedDirective, loadDirective } from "./runtime/loaded-directive";
import { DEFAULT_HARNESS, resolveHarness } from "./runtime/resolve-harness";
import { ThreadRunner, type ThreadRunnerOptions } from "./runtime/thread-runner";

export type { DirectiveModel };

/** The provider and concrete model a thread runs on. */
export interface ModelChoice {
  readonly provider: ProviderV1;
  readonly model: string;
  readonly price?: ThreadRunnerOptions["price"];
  readonly contextWindow?: number;
  readonly maxTokens?: number;
}

/** Maps a directive's `<model>` (tier or id) to a provider and model. */
export type ModelResolver = (
  model: DirectiveModel | undefined,
  directive: string,
) => ModelChoice | Promise<ModelChoice>;

export interface ThreadRuntimeOptions extends Omit<KernelOptions, "signalHandler"> {
  readonly models: ModelResolver;
  /** Default `<projectRoot>/.ai/threads/registry.db`. */
  readonly registryFile?: string;
  /** Values never written to transcripts or the registry. Default: secret-looking values of `env`. */
  readonly secrets?: readonly string[];
  /** Every harness event of every thread, as it happens (progress displays). */
  readonly onEvent?: (threadId: string, event: HarnessEvent) => void;
  /**
   * The harness of a thread whose spawn and directive name none: the tool id of a `tool_type: harness`
   * definition (default `kiwi_harness`, shipped by this package).
   */
  readonly defaultHarness?: string;
}

export interface SpawnDirectiveOptions {
  readonly directive: string;
  readonly message?: string;
  readonly inputs?: Record<string, unknown>;
  /**
   * The harness to run the thread on (a `tool_type: harness` definition's id): wins over the directive's
   * `<harness>` and the runtime's default. Unknown, unsigned or not a harness → an error before the thread
   * is registered.
   */
  readonly harness?: string;
  /**
   * Continue the conversation of an earlier thread of the same directive from its latest checkpoint
   * (`help(action="checkpoint")`), on a new thread. ITEM_NOT_FOUND when it has no checkpoint.
   */
  readonly resumeFrom?: string;
}

/** A kernel whose thread tools work: the kernel, its thread manager and a top-level spawn. */
export interface ThreadRuntime {
  readonly kernel: Kernel;
  readonly manager: ThreadManager;
  /**
   * Runs a directive on a new top-level thread for the local user (CLI, demo): the `thread_directive`
   * layer without a calling thread, so no orchestration rule applies and there is no parent budget.
   */
  spawn(options: SpawnDirectiveOptions): Promise<SpawnResult>;
  /** Kills live threads, flushes and closes the registry. */
  close(): Promise<void>;
}

const ID_RETRIES = 3;

/**
 * Creates a kernel with the `threads` primitive and a ThreadManager behind it. The three spawn layers:
 * `thread_directive` (what a model calls: the directive loaded once, its requirements, orchestration
 * policy, then acting under the core `thread_directive` directive's own token), the harness layer (the
 * harness chosen from data and instantiated before anything runs, id generation with retry, a
 * ThreadRunner whose grants are the attenuation of the caller's), and `spawn_thread`
 * (ThreadManager.spawn: validates, registers, starts in the background, returns at once).
 */
export async function createThreadRuntime(options: ThreadRuntimeOptions): Promise<ThreadRuntime> {
  const { models, registryFile, secrets, onEvent, defaultHarness, ...kernelOptions } = options;
  let manager: ThreadManager | undefined;
  const runners = new Map<string, ThreadRunner>();
  const primitive: PrimitiveV1 = createThreadsPrimitive({
    manager: () => manager!,
    spawnDirective: async (req) => {
      const caller = await manager!.verify(req.meta.__auth);
      const { directive, message, inputs, harness } = req;
      return threadDirective({ directive, message, inputs, ...(harness ? { harness } : {}) }, caller);
    },
  });
  const kernel = await createKernel({
    ...kernelOptions,
    // The default harness's definition ships with this package: found whatever the project depends on.
    pluginPackages: [...(kernelOptions.pluginPackages ?? []), KIWI_HARNESS_PACKAGE_DIR],
    primitives: [...(kernelOptions.primitives ?? []), primitive],
    signalHandler: (signal) => manager!.signalHandler(signal),
  });
  const key = await kernel.signingKey();
  const verifier = new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey: key.publicKey }] });
  manager = ThreadManager.open({
    projectRoot: kernel.projectRoot,
    registryFile,
    verifier,
    secrets: secrets ?? secretsFromEnv(kernelOptions.env ?? process.env),
  });
  const threads = manager;

  /** Layer 1 — thread_directive: the directive loaded once, requirements, orchestration policy. */
  async function threadDirective(
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims | undefined,
  ): Promise<SpawnResult> {
    const d = await loadDirective(kernel, request.directive, request.inputs ?? {});
    if (d.spawn_requirements_missing.length) {
      throw new KiwiError({
        code: "VALIDATION_FAILED",
        message: `directive ${d.name} cannot run on a thread: missing ${d.spawn_requirements_missing.join(", ")} (${(d.spawn_issues ?? []).map((i) => i.fix ?? i.message).join("; ")})`,
        context: { missing: d.spawn_requirements_missing, issues: d.spawn_issues ?? [] },
      });
    }
    if (caller && !orchestrationAdmits(caller.caps, { name: d.name, category: d.category })) {
      throw new KiwiError({
        code: "CAPABILITY_DENIED",
        message: `this thread may not spawn ${d.name} (category "${d.category}"): its directive needs <orchestration enabled="true"> with rules that admit it`,
        context: { reason: "orchestration", required: "orchestration.spawn", directive: d.name },
      });
    }
    return harnessLayer(d, request, caller);
  }

  /** Layer 2 — the harness from data, an id, a ThreadRunner, spawn_thread (retrying a taken id). */
  async function harnessLayer(
    d: LoadedDirective,
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims | undefined,
  ): Promise<SpawnResult> {
    const harnessId = request.harness ?? d.metadata.harness ?? defaultHarness ?? DEFAULT_HARNESS;
    // Before anything is registered: an unknown, unsigned or non-harness id fails the spawn here.
    const harness = await resolveHarness(kernel, harnessId);
    const choice = await models(d.metadata.model, d.name);
    const resume = request.resumeFrom
      ? checkpointOf(threads.registry, request.resumeFrom, d.name)
      : undefined;
    const cost = d.metadata.cost!;
    const core = await coreSpawnToken(kernel, caller?.thread_id ?? "kiwi-runtime");
    const runnerFor = (handle: ThreadHandle): ThreadRunner => {
      const runner = new ThreadRunner({
        kernel,
        harness,
        provider: choice.provider,
        model: choice.model,
        price: choice.price,
        contextWindow: choice.contextWindow,
        maxTokens: choice.maxTokens,
        directive: d,
        inputs: request.inputs,
        threadId: handle.id,
        parentId: handle.parentId,
        parentGrants: caller?.caps,
        parentJti: caller?.jti,
        // The child's token never outlives its parent's current one.
        notAfter: caller ? () => runners.get(caller.thread_id)?.tokenExpiry() || caller.exp : undefined,
        costCap: handle.budget.limits,
        childrenSpend: () => handle.budget.childrenSpent(),
        supervisor: () => handle.supervisor(),
        onEvent: (event) => {
          // help(stuck) reaches the manager through the kernel's signal handler, which records it.
          if (!(event.type === "signal" && event.kind === "stuck")) {
            const { type, ...fields } = event;
            handle.record(type, fields);
          }
          onEvent?.(handle.id, event);
        },
        onHarnessEvent: ({ type, ...fields }) => handle.record(type, fields),
        escalate: async () => {
          const decision = await handle.escalate();
          return decision.action === "resume"
            ? { action: "raise", limits: (decision.limits ?? {}) as Partial<CostLimits> }
            : { action: "terminate" };
        },
      });
      // Kept while it runs: its children ask it for its token's current expiry.
      runners.set(handle.id, runner);
      void threads.done(handle.id).then(() => runners.delete(handle.id));
      return runner;
    };
    const base = threadIdFor(d.name, new Date());
    for (let attempt = 0; ; attempt += 1) {
      const threadId = attempt === 0 ? base : `${base}_${Math.random().toString(36).slice(2, 6)}`;
      try {
        return await threads.spawn({
          threadId,
          directive: d.name,
          harness: harnessId,
          message: request.message ?? "",
          inputs: request.inputs,
          parentId: caller?.thread_id,
          auth: core.token,
          budget: { maxCostUsd: cost.max_cost_usd, maxTotalTokens: cost.max_total_tokens },
          onExceeded: cost.on_exceeded,
          resume,
          permissionContext: {
            ...(request.resumeFrom ? { resumed_from: request.resumeFrom } : {}),
            spawned_by: "thread_directive",
            spawn_jti: core.jti,
            caller_thread: caller?.thread_id ?? null,
            caller_jti: caller?.jti ?? null,
            harness: harnessId,
            provider: choice.provider.id,
            model: choice.model,
          },
          runner: runnerFor,
        });
      } catch (error) {
        if (KiwiError.isInstance(error) && error.code === "THREAD_ID_COLLISION" && attempt < ID_RETRIES)
          continue;
        throw error;
      }
    }
  }

  return {
    kernel,
    manager: threads,
    spawn: (o) => threadDirective(o, undefined),
    close: () => threads.close(),
  };
}
