import {
  type CapabilityClaims,
  mintToken,
  orchestrationAdmits,
  permissionsToGrants,
  TokenVerifier,
} from "@kiwi/capabilities";
import { createKernel, type Kernel, type KernelOptions } from "@kiwi/kernel";
import { fromToolFailure, KiwiError, type PrimitiveV1, type ProviderV1, type RunSnapshot } from "@kiwi/spec";
import {
  createThreadsPrimitive,
  type SpawnResult,
  secretsFromEnv,
  ThreadManager,
  threadIdFor,
} from "@kiwi/threads";
import type { CostLimits } from "./budget";
import type { HarnessEvent } from "./harness-events";
import { type KiwiHarnessOptions, KiwiHarnessRunner } from "./kiwi-harness-runner";

/** A directive's `<model>` element. */
export interface DirectiveModel {
  readonly tier?: string;
  readonly id?: string;
  readonly fallback?: string;
}

/** The provider and concrete model a thread runs on. */
export interface ModelChoice {
  readonly provider: ProviderV1;
  readonly model: string;
  readonly price?: KiwiHarnessOptions["price"];
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
}

export interface SpawnDirectiveOptions {
  readonly directive: string;
  readonly message?: string;
  readonly inputs?: Record<string, unknown>;
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

interface LoadedDirective {
  id: string;
  name: string;
  category: string;
  core: boolean;
  version: string;
  metadata: {
    cost?: CostLimits;
    model?: DirectiveModel;
    permissions: Parameters<typeof permissionsToGrants>[0];
  };
  spawn_requirements_missing: string[];
  spawn_issues?: { field: string; message: string; fix?: string }[];
}

const ID_RETRIES = 3;

/**
 * Creates a kernel with the `threads` primitive and a ThreadManager behind it. The three spawn layers:
 * `thread_directive` (what a model calls: requirements, orchestration policy, then acts under the core
 * `thread_directive` directive's own token), `kiwi_harness` (id generation with retry, a
 * KiwiHarnessRunner whose grants are the attenuation of the caller's), and `spawn_thread`
 * (ThreadManager.spawn: validates, registers, starts in the background, returns at once).
 */
export async function createThreadRuntime(options: ThreadRuntimeOptions): Promise<ThreadRuntime> {
  const { models, registryFile, secrets, onEvent, ...kernelOptions } = options;
  let manager: ThreadManager | undefined;
  const runners = new Map<string, KiwiHarnessRunner>();
  const primitive: PrimitiveV1 = createThreadsPrimitive({
    manager: () => manager!,
    spawnDirective: async (req) => {
      const caller = await manager!.verify(req.meta.__auth);
      return threadDirective({ directive: req.directive, message: req.message, inputs: req.inputs }, caller);
    },
  });
  const kernel = await createKernel({
    ...kernelOptions,
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

  async function loadDirective(id: string, inputs: Record<string, unknown>): Promise<LoadedDirective> {
    // Runtime code, not a model: the directive is read as the local user; its verification still holds.
    const loaded = await kernel.execute({
      item_type: "directive",
      action: "run",
      item_id: id,
      parameters: inputs,
    });
    if (!loaded.success) throw fromToolFailure(loaded);
    return loaded as unknown as LoadedDirective;
  }

  /** The core thread_directive directive's own token: it holds spawn.thread; the caller's never does. */
  async function coreToken(callerThread: string): Promise<{ token: string; jti: string }> {
    const core = await loadDirective("thread_directive", {});
    if (!core.core) {
      throw new KiwiError({
        code: "INTEGRITY_MISMATCH",
        message:
          "thread_directive does not resolve to Kiwi's core directive (a project or user item shadows it): remove the shadowing item",
        context: { reason: "not_core", path: core.id },
      });
    }
    const grants = permissionsToGrants(core.metadata.permissions, {
      registry: await kernel.capabilities(),
      core: true,
    });
    const minted = await mintToken({
      key,
      grants,
      directiveId: "thread_directive",
      threadId: callerThread,
      ttlSeconds: 60,
    });
    return { token: minted.token, jti: minted.claims.jti };
  }

  /** The latest checkpoint of an earlier thread of the same directive. */
  function checkpointOf(threadId: string, directive: string): RunSnapshot {
    const row = threads.registry.get(threadId);
    const checkpoint = row ? threads.registry.latestCheckpoint(threadId) : undefined;
    if (!row || !checkpoint) {
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `thread ${threadId} ${row ? 'has no checkpoint (its model never called help(action="checkpoint"))' : "does not exist"}`,
        context: { thread_id: threadId },
      });
    }
    if (row.directive !== directive) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `thread ${threadId} ran ${row.directive}, not ${directive}: a checkpoint continues the same directive`,
        context: { thread_id: threadId, directive: row.directive },
      });
    }
    return checkpoint.state as unknown as RunSnapshot;
  }

  /** Layer 1 — thread_directive: requirements, orchestration policy, then kiwi_harness. */
  async function threadDirective(
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims | undefined,
  ): Promise<SpawnResult> {
    const d = await loadDirective(request.directive, request.inputs ?? {});
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
    return kiwiHarness(d, request, caller);
  }

  /** Layer 2 — kiwi_harness: an id, a KiwiHarnessRunner, spawn_thread (retrying a taken id). */
  async function kiwiHarness(
    d: LoadedDirective,
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims | undefined,
  ): Promise<SpawnResult> {
    const choice = await models(d.metadata.model, d.name);
    const resume = request.resumeFrom ? checkpointOf(request.resumeFrom, d.name) : undefined;
    const cost = d.metadata.cost!;
    const core = await coreToken(caller?.thread_id ?? "kiwi-runtime");
    const base = threadIdFor(d.name, new Date());
    for (let attempt = 0; ; attempt += 1) {
      const threadId = attempt === 0 ? base : `${base}_${Math.random().toString(36).slice(2, 6)}`;
      try {
        return await threads.spawn({
          threadId,
          directive: d.name,
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
            provider: choice.provider.id,
            model: choice.model,
          },
          runner: (handle) => {
            const runner = new KiwiHarnessRunner({
              kernel,
              provider: choice.provider,
              model: choice.model,
              price: choice.price,
              contextWindow: choice.contextWindow,
              maxTokens: choice.maxTokens,
              directive: d.name,
              inputs: request.inputs,
              threadId: handle.id,
              parentGrants: caller?.caps,
              parentJti: caller?.jti,
              // The child's token never outlives its parent's current one.
              notAfter: caller ? () => runners.get(caller.thread_id)?.tokenExpiry() || caller.exp : undefined,
              costCap: handle.budget.limits,
              childrenSpend: () => handle.budget.childrenSpent(),
              onEvent: (event) => {
                // help(stuck) reaches the manager through the kernel's signal handler, which records it.
                if (!(event.type === "signal" && event.kind === "stuck")) {
                  const { type, ...fields } = event;
                  handle.record(type, fields);
                }
                onEvent?.(handle.id, event);
              },
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
          },
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
