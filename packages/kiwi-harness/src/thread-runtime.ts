import { type CapabilityClaims, type Grant, orchestrationAdmits, TokenVerifier } from "@kiwi/capabilities";
import { createKernel, type Kernel, type KernelOptions } from "@kiwi/kernel";
import { type HarnessV2, KiwiError, type PrimitiveV1, type ProviderV1, type RunSnapshot } from "@kiwi/spec";
import {
  createThreadsPrimitive,
  isTerminal,
  type JournalStep,
  type PendingDecision,
  type ResumeInPlaceResult,
  type SpawnResult,
  type ThreadHandle,
  ThreadJournal,
  type ThreadJournalOptions,
  type ThreadLease,
  ThreadManager,
  type ThreadRegistry,
  type ThreadRow,
  type ThreadStore,
  threadIdFor,
} from "@kiwi/threads";
import { context as otelContext, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { CostLimits } from "./budget";
import type { HarnessEvent } from "./harness-events";
import { KIWI_HARNESS_PACKAGE_DIR } from "./own-package";
import {
  discoveredModels,
  findProviders,
  type ProviderChoice,
  type ProviderSource,
} from "./providers/find-providers";
import { checkpointOf } from "./runtime/checkpoint-of";
import { resignChildGrant, signChildGrant, verifyChildGrant } from "./runtime/child-grant";
import { coreSpawnTokens } from "./runtime/core-token";
import { type DirectiveModel, type LoadedDirective, loadDirective } from "./runtime/loaded-directive";
import { DEFAULT_HARNESS, resolveHarness } from "./runtime/resolve-harness";
import {
  awaitsQueue,
  isSpawnStep,
  reconcileSpawn,
  type SpawnArguments,
  spawnArgumentsOf,
} from "./runtime/spawn-step";
import type { StepJournal } from "./runtime/step-journal";
import { ThreadRunner, type ThreadRunnerOptions } from "./runtime/thread-runner";
import { startAgentSpan, traceContextOf } from "./telemetry/thread-telemetry";
import { contextFromStored, type StoredTraceContext, storedTraceContext } from "./telemetry/trace-context";

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

/** Where the default model choice looks for providers, and its overrides. */
export interface ThreadRuntimeProviders extends ProviderChoice {
  /**
   * Package folders whose provider plugins serve a project that has none of its own (no provider
   * definition at all): the runtime's kernel is then opened with them as `pluginPackagesFrom` (e.g. the
   * `kiwi` command passes its own folder, so a fresh `kiwi init` project runs threads).
   */
  readonly fallbackFrom?: readonly string[];
}

export interface ThreadRuntimeOptions extends Omit<KernelOptions, "signalHandler"> {
  /**
   * Maps a directive's `<model>` to a provider and model. Default: the providers the project's spaces
   * define, found from data (`tool_type: provider` definitions; `runtime.providers`), chosen with
   * `providers`' overrides (`discoveredModels`).
   */
  readonly models?: ModelResolver;
  /**
   * Provider discovery and the default model choice's overrides. Discovery runs when `models` is not
   * given, or when this is (a host that resolves models itself but shows what is installed).
   */
  readonly providers?: ThreadRuntimeProviders;
  /**
   * Called with the providers found (when discovery runs) before the registry is opened: a throw ends
   * `createThreadRuntime` with that error and nothing is created (a host checks its `--provider` here).
   */
  readonly onProviders?: (source: ProviderSource) => void | Promise<void>;
  /** Default `<projectRoot>/.ai/threads/registry.db`. */
  readonly registryFile?: string;
  /**
   * The thread store the runtime's threads run on, e.g. `await PostgresThreadStore.open({url})` of
   * `@kiwi/threads-postgres` (threads across hosts). Default: the project's embedded SQLite registry
   * (`registryFile`). The runtime owns it from here: `close()` closes it.
   */
  readonly store?: ThreadStore;
  /**
   * The lease owner the runtime runs threads as (a worker's name, 1–200 characters): each thread it
   * spawns or resumes holds the store's fenced lease, and its journal and status writes are fenced — once
   * another owner takes the thread over, this runtime's writes get LEASE_LOST and its run stops. Default
   * with `store`: `<pid>@<host>`; on the embedded registry: none.
   */
  readonly owner?: string;
  /** The fenced lease's time to live, renewed every third of it while the thread runs; default 15 000 ms. */
  readonly leaseMs?: number;
  /**
   * More values never written to transcripts, the registry or a sink: added to the kernel's secret set,
   * which already holds every `.env` value, the secret-looking values of `env` and every value an
   * `${ENV}` template reads (as it reads it).
   */
  readonly secrets?: readonly string[];
  /** Every harness event of every thread, as it happens (progress displays). */
  readonly onEvent?: (threadId: string, event: HarnessEvent) => void;
  /**
   * The harness of a thread whose spawn and directive name none: the tool id of a `tool_type: harness`
   * definition (default `kiwi_harness`, shipped by this package).
   */
  readonly defaultHarness?: string;
  /**
   * Each thread's step journal. Default: the registry's (`ThreadJournal`, table `thread_steps` of the same
   * SQLite file), which `resume` replays. `false`: nothing journaled (threads cannot resume in place).
   */
  readonly journal?: false | ((threadId: string, registry: ThreadRegistry) => StepJournal);
  /**
   * Lets a directive with `max_cost_usd` — or one spawned under a thread whose budget tree has one — run on
   * a model without pricing data. Its cost is then unknown: no USD budget holds it (its token budgets and
   * `max_turns` still do), and the spawn records `unpriced_allowed` in its `permission_context`. Default
   * false: such a spawn is refused with MODEL_UNPRICED before anything runs (`kiwi thread run
   * --allow-unpriced` sets it).
   */
  readonly allowUnpriced?: boolean;
  /**
   * `"auto"`: once the runtime is open, resume every interrupted thread of the project in place (what
   * `recover()` and `kiwi threads recover` do), parents first; what each did, or its error, is in
   * `recovered`. A thread another process resumes at the same moment is left to it (THREAD_OWNED in
   * `recovered`). Default `"manual"`: interrupted threads wait for `resume`/`recover`.
   */
  readonly recover?: "auto" | "manual";
  /**
   * The project's context compaction threshold (a fraction of the context limit, 0-1]) for directives
   * whose `<cost>` sets no `compact_at`: this option, else the `KIWI_COMPACT_AT` environment variable
   * (of `env`); default off.
   */
  readonly compactAt?: number;
  /**
   * Record contents — prompts, replies, tool arguments and results — on the threads' OpenTelemetry spans,
   * redacted like transcripts. Default: the `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`
   * environment variable (`true` turns it on), else off.
   */
  readonly captureContent?: boolean;
  /**
   * Threads across hosts (a `kiwi worker`): a child a thread spawns with `thread_directive` is not run
   * here but registered on the store (`spawning`, its parent recorded) and handed to this function, which
   * queues it so any worker may take it (`spawn({threadId, registered: true, parentGrant, …})` there).
   * Its parent's grants travel as `parentGrant`, signed with this runtime's key for that child; the
   * child's worker mints the child's token from them after verifying them against the keys it trusts. A
   * throw fails the spawn (the child's row ends `error`). Needs `store`. Default: children run here.
   *
   * A parent resumed after its owner died in a spawn (the child registered, perhaps never queued) hands
   * the child over again, `reconciled: true`, with a grant signed again: queue it unless it is queued
   * already (DbosThreadEngine's `enqueue` queues a thread id at most once), so it is never run twice.
   */
  readonly queueChild?: (child: QueuedChild) => Promise<void>;
}

/** A child thread queued for any worker (`ThreadRuntimeOptions.queueChild`): what its worker runs. */
export interface QueuedChild {
  /** Registered on the store, `spawning`, with its parent. */
  readonly threadId: string;
  readonly parentId: string;
  readonly directive: string;
  readonly message: string;
  readonly inputs: Record<string, unknown>;
  /** The harness the spawn asked for, if any. */
  readonly harness?: string;
  /** The parent's grants, signed for this child (pass it to the child's `spawn` as `parentGrant`). */
  readonly parentGrant: string;
  /** The W3C context of the spawning tool call's span: the child's `invoke_agent` span continues it. */
  readonly traceContext?: StoredTraceContext;
  /**
   * Handed over again by a resumed parent (its owner died between registering the child and the spawn's
   * result): the child may be queued already — queue it only if not. Its `traceContext` is then the
   * parent's (the spawning call's span died with the owner).
   */
  readonly reconciled?: true;
}

/** What `resume` did: the thread resumed or parked, and its interrupted children resumed after it. */
export type ResumedThread = ResumeInPlaceResult & { readonly children?: readonly RecoveredThread[] };

/** What `recover()` did with one interrupted thread: resumed or parked, or the error that stopped it. */
export type RecoveredThread = { thread_id: string } & (
  | ResumedThread
  | { status: "failed"; code: string; message: string }
);

/** What `resume` does with a tool call that was in flight when the thread's owner died. */
export interface ResumeOptions {
  /**
   * A person's decision for tool calls whose effect is unknown (their tool is not `idempotent: true`):
   * run them again (`rerun`) or give them a `STEP_SKIPPED` result (`skip`). Without it such a call parks
   * the thread (`paused`, reason `needs_reconciliation`).
   */
  readonly decision?: "rerun" | "skip";
  /**
   * A fenced lease on the thread its host already holds (a `kiwi worker`'s engine took it): the thread
   * runs under it — one token for the host and the runtime — instead of a second lease of the runtime's
   * owner. The host renews and releases it, and reports its loss with `manager.writeFailed(id, error)`.
   */
  readonly lease?: ThreadLease;
}

/** The run's input, journaled as step 0: what a resume in place runs again. */
interface ThreadStart {
  readonly [key: string]: unknown;
  readonly directive: string;
  readonly message: string;
  readonly inputs: Record<string, unknown>;
  readonly harness: string;
  readonly parent_grants: Grant[] | null;
  readonly parent_jti: string | null;
  readonly resume: RunSnapshot | null;
  /** The project's compaction threshold when the thread started (a resume keeps it; absent: off). */
  readonly compact_at?: number | null;
  /**
   * The W3C context of the thread's `invoke_agent` span (a child of the span of the call that spawned it):
   * a resume, in this process or another worker's, continues the same trace. Absent when nothing traced.
   */
  readonly trace_context?: StoredTraceContext;
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
  /**
   * The thread's id, chosen by the host (a `kiwi worker` runs the thread a submission queued under its
   * id): used as is, never suffixed; THREAD_ID_COLLISION when taken. Default: `<directive>_<date>_<time>`.
   */
  readonly threadId?: string;
  /**
   * With `threadId`: its row is already registered by the submission that queued it (`spawning`, no
   * process, same directive), and this spawn runs it (a shared store only; THREAD_ID_COLLISION when no
   * such row is there).
   */
  readonly registered?: boolean;
  /** A fenced lease on `threadId` its host already holds (see `ResumeOptions.lease`). */
  readonly lease?: ThreadLease;
  /**
   * With `registered`: the thread is a child a parent on another worker queued (`QueuedChild`), and
   * this is its parent's signed grant. It is verified against the keys this user space trusts and
   * becomes the spawn's caller: orchestration rules, the child's grants (attenuated to the parent's) and
   * its budget (capped by the parent's remaining budget in the store) as if the parent spawned it here.
   * A registered row with a parent and no valid grant is THREAD_GRANT_INVALID: nothing runs.
   */
  readonly parentGrant?: string;
  /**
   * The W3C trace context of whoever submitted the thread (a `kiwi thread run --store --detach`, a parent
   * on another worker): the thread's `invoke_agent` span is its child. Default: the active context.
   */
  readonly traceContext?: StoredTraceContext;
}

/** A kernel whose thread tools work: the kernel, its thread manager and a top-level spawn. */
export interface ThreadRuntime {
  readonly kernel: Kernel;
  readonly manager: ThreadManager;
  /**
   * The providers found from data when the runtime discovered them (no `models`, or `providers` given):
   * usable ones, unusable definitions, and `pluginPackagesFrom` when they are the host's (`fallbackFrom`).
   */
  readonly providers?: ProviderSource;
  /**
   * Runs a directive on a new top-level thread for the local user (CLI, demo): the `thread_directive`
   * layer without a calling thread, so no orchestration rule applies and there is no parent budget.
   */
  spawn(options: SpawnDirectiveOptions): Promise<SpawnResult>;
  /**
   * Resumes an interrupted thread in place — the same id, transcript and registry row — replaying its
   * journal: recorded model replies and tool results are used, not asked for or run again; the run goes on
   * live from the first step without a result. A tool call in flight when the owner died runs again only
   * when its tool is `idempotent: true` (or `decision` says so); otherwise the thread is parked `paused` /
   * `needs_reconciliation` naming the call. THREAD_FINISHED for a finished thread, THREAD_OWNED when a live
   * process owns it (or another resume won), JOURNAL_CORRUPT / JOURNAL_VERSION for a journal that cannot
   * be replayed (nothing rewritten); a replay that asks for other steps stops with JOURNAL_DIVERGED.
   * A `thread_directive` spawn in flight is reconciled, not parked: the child it registered (marked with
   * the step, `permission_context.spawn_step`) becomes its result, or — none registered — it spawns now.
   * The thread's interrupted children resume in place after it (`children`: what each did).
   */
  resume(threadId: string, options?: ResumeOptions): Promise<ResumedThread>;
  /** Resumes every interrupted thread of the project (parents first); what each did, or its error. */
  recover(): Promise<RecoveredThread[]>;
  /** With `recover: "auto"`: what the recovery on open did with each interrupted thread (else undefined). */
  readonly recovered?: readonly RecoveredThread[];
  /** Kills live threads, flushes and closes the registry. */
  close(): Promise<void>;
}

const ID_RETRIES = 3;

/**
 * The project's compaction threshold: the explicit option, else `KIWI_COMPACT_AT`; undefined (off) when
 * neither is set. A value outside (0, 1] is refused, naming where it came from.
 */
function compactionDefault(
  option: number | undefined,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const raw = env.KIWI_COMPACT_AT;
  const value = option ?? (raw === undefined || raw === "" ? undefined : Number(raw));
  if (value === undefined || (value > 0 && value <= 1)) return value;
  const where = option !== undefined ? "the compactAt option" : "KIWI_COMPACT_AT";
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: `${where} is a fraction of the context limit in (0, 1] (e.g. 0.8), not ${JSON.stringify(option ?? raw)}`,
    context: { option: option !== undefined ? "compactAt" : "KIWI_COMPACT_AT" },
  });
}

/** The parts of a spawn started while its directive loads (`startEarly`). */
interface EarlyParts {
  readonly harnessId?: string;
  readonly harness?: Promise<HarnessV2>;
  readonly core: Promise<{ token: string; jti: string }>;
}

/**
 * Creates a kernel with the `threads` primitive and a ThreadManager behind it. The three spawn layers:
 * `thread_directive` (what a model calls: the directive loaded once, its requirements, orchestration
 * policy, then acting under the core `thread_directive` directive's own token), the harness layer (the
 * harness chosen from data and instantiated before anything runs, id generation with retry, a
 * ThreadRunner whose grants are the attenuation of the caller's), and `spawn_thread`
 * (ThreadManager.spawn: validates, registers, starts in the background, returns at once).
 */
export async function createThreadRuntime(options: ThreadRuntimeOptions): Promise<ThreadRuntime> {
  const {
    models,
    providers,
    onProviders,
    registryFile,
    store,
    owner,
    leaseMs,
    secrets,
    onEvent,
    defaultHarness,
    journal,
    allowUnpriced = false,
    recover: recoverMode = "manual",
    compactAt: compactAtOption,
    captureContent: captureOption,
    queueChild,
    ...kernelOptions
  } = options;
  if (queueChild && !store) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "createThreadRuntime: queueChild queues children on a shared store: give store too",
      context: { option: "queueChild" },
    });
  }
  if (store && typeof journal === "function") {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "createThreadRuntime: a custom journal works on the embedded registry only, not with store",
      context: { option: "journal" },
    });
  }
  const captureContent =
    captureOption ??
    (kernelOptions.env ?? process.env).OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() ===
      "true";
  if (recoverMode !== "auto" && recoverMode !== "manual") {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `createThreadRuntime: recover must be "auto" or "manual", not ${JSON.stringify(recoverMode)}`,
      context: { option: "recover" },
    });
  }
  const compactAt = compactionDefault(compactAtOption, kernelOptions.env ?? process.env);
  let manager: ThreadManager | undefined;
  const runners = new Map<string, ThreadRunner>();
  /** Thread ids (second-resolution bases) this runtime has given out lately. */
  const usedIds = new Set<string>();
  const spawnTokens = coreSpawnTokens();
  const primitive: PrimitiveV1 = createThreadsPrimitive({
    manager: () => manager!,
    spawnDirective: async (req) => {
      const caller = await manager!.verify(req.meta.__auth);
      const { directive, message, inputs, harness } = req;
      // The calling thread's step that asked for this spawn (set by the runtime's tool step, never a model).
      const step = Number.isSafeInteger(req.meta.__step) ? (req.meta.__step as number) : undefined;
      return threadDirective(
        { directive, message, inputs, ...(harness ? { harness } : {}) },
        caller,
        step !== undefined && caller ? step : undefined,
      );
    },
  });
  const openKernel = (extra: Pick<KernelOptions, "pluginPackagesFrom"> = {}) =>
    createKernel({
      ...kernelOptions,
      ...(extra.pluginPackagesFrom
        ? { pluginPackagesFrom: [...(kernelOptions.pluginPackagesFrom ?? []), ...extra.pluginPackagesFrom] }
        : {}),
      // The default harness's definition ships with this package: found whatever the project depends on.
      pluginPackages: [...(kernelOptions.pluginPackages ?? []), KIWI_HARNESS_PACKAGE_DIR],
      primitives: [...(kernelOptions.primitives ?? []), primitive],
      signalHandler: (signal) => manager!.signalHandler(signal),
    });
  // One kernel: the one providers were found on (a second only when the project has none of its own and
  // the host's `fallbackFrom` is looked at).
  let kernel: Kernel;
  let source: ProviderSource | undefined;
  if (models && !providers) kernel = await openKernel();
  else {
    const found = await findProviders(openKernel, providers?.fallbackFrom ?? []);
    kernel = found.kernel;
    source = {
      discovery: found.discovery,
      ...(found.pluginPackagesFrom ? { pluginPackagesFrom: found.pluginPackagesFrom } : {}),
    };
  }
  if (source) await onProviders?.(source);
  const resolveModels: ModelResolver =
    models ?? discoveredModels(source!, providers ?? {}, kernelOptions.env ?? process.env);
  const key = await kernel.signingKey();
  const verifier = new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey: key.publicKey }] });
  // One set for everything the runtime writes: the kernel's (its sinks use it too), live as it grows.
  for (const value of secrets ?? []) kernel.secrets.add(value);
  const managerOptions = {
    projectRoot: kernel.projectRoot,
    registryFile,
    verifier,
    secrets: kernel.secrets,
    ...(owner !== undefined ? { owner } : {}),
    ...(leaseMs !== undefined ? { leaseMs } : {}),
  };
  manager = store
    ? await ThreadManager.open({ ...managerOptions, store })
    : ThreadManager.open(managerOptions);
  const threads = manager;

  /** Layer 1 — thread_directive: the directive loaded once, requirements, orchestration policy. */
  async function threadDirective(
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims | undefined,
    spawnStep?: number,
  ): Promise<SpawnResult> {
    const early = startEarly(request, caller);
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
    return harnessLayer(d, request, caller, early, spawnStep);
  }

  /**
   * What a spawn needs that does not depend on the directive, started while it loads (each is awaited
   * in the order the checks are made, so the first failure is still the one reported): the runtime's
   * default harness — never one a caller names, which is resolved only after the checks — and the core
   * spawn token (minted, held in memory).
   */
  function startEarly(request: SpawnDirectiveOptions, caller: CapabilityClaims | undefined): EarlyParts {
    const core = spawnTokens(kernel, caller?.thread_id ?? "kiwi-runtime");
    // Awaited later, or never (an earlier check failed): not an unhandled rejection meanwhile.
    core.catch(() => undefined);
    const harnessId = defaultHarness ?? DEFAULT_HARNESS;
    if (request.harness !== undefined && request.harness !== harnessId) return { core };
    const harness = resolveHarness(kernel, harnessId);
    harness.catch(() => undefined);
    return { harnessId, harness, core };
  }

  /** Layer 2 — the harness from data, an id, a ThreadRunner, spawn_thread (retrying a taken id). */
  async function harnessLayer(
    d: LoadedDirective,
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims | undefined,
    early?: EarlyParts,
    spawnStep?: number,
  ): Promise<SpawnResult> {
    const harnessId = request.harness ?? d.metadata.harness ?? defaultHarness ?? DEFAULT_HARNESS;
    // Before anything is registered: an unknown, unsigned or non-harness id fails the spawn here.
    const harness = await (early?.harness && early.harnessId === harnessId
      ? early.harness
      : resolveHarness(kernel, harnessId));
    const choice = await resolveModels(d.metadata.model, d.name);
    const unpriced = unpricedBudget(d, choice, caller);
    if (unpriced && !allowUnpriced) {
      throw new KiwiError({
        code: "MODEL_UNPRICED",
        message: `directive ${d.name} would run on ${choice.provider.id} model ${choice.model}, which has no pricing data, while ${unpriced}: its USD budget could not be enforced. Choose a priced model (the provider's pricing data lists them), or let it run with its cost unknown (kiwi thread run --allow-unpriced; createThreadRuntime({allowUnpriced: true}))`,
        context: { directive: d.name, provider: choice.provider.id, model: choice.model, budget: unpriced },
      });
    }
    const resume = request.resumeFrom
      ? await checkpointOf(threads.store, request.resumeFrom, d.name)
      : undefined;
    const cost = d.metadata.cost!;
    // A child on a shared store with a queue: any worker may run it (not one that takes it from there).
    if (caller && queueChild && !request.registered && !request.resumeFrom)
      return queueChildThread(d, request, caller, harnessId, spawnStep, choice, unpriced);
    const core = await (early?.core ?? spawnTokens(kernel, caller?.thread_id ?? "kiwi-runtime"));
    // The thread's span starts with its spawn, under the active one (the caller's execute_tool span), or
    // under the submitter's when it was queued (its W3C context travelled with the submission).
    const span = startAgentSpan(
      {
        directive: d.name,
        version: d.version,
        harness: harnessId,
        provider: choice.provider.id,
        model: choice.model,
        parentThread: caller?.thread_id ?? null,
      },
      (request.traceContext && contextFromStored(request.traceContext)) || otelContext.active(),
    );
    const traceContext = traceContextOf(span);
    let spanTaken = false;
    const start: ThreadStart = {
      directive: d.name,
      message: request.message ?? "",
      inputs: { ...(request.inputs ?? {}) },
      harness: harnessId,
      parent_grants: caller ? [...caller.caps] : null,
      parent_jti: caller?.jti ?? null,
      resume: resume ?? null,
      compact_at: compactAt ?? null,
      ...(traceContext ? { trace_context: traceContext } : {}),
    };
    // The run's input is journaled with the thread's row (`onRegistered`): a child whose owner dies before
    // it ran still resumes in place.
    let registeredJournal: StepJournal | undefined;
    const onRegistered = (row: { thread_id: string }) => {
      span.setAttribute("gen_ai.conversation.id", row.thread_id);
      registeredJournal = journalFor(row.thread_id, true);
      // Committed before the thread runs (awaited by the manager on an asynchronous store).
      if (registeredJournal instanceof ThreadJournal) return registeredJournal.recordStart(start);
    };
    const runnerFor = (handle: ThreadHandle): ThreadRunner => {
      spanTaken = true;
      return buildRunner(handle, {
        d,
        harness,
        choice,
        start,
        span,
        ...(registeredJournal ? { journal: registeredJournal } : {}),
        // The child's token never outlives its parent's current one.
        notAfter: caller ? () => runners.get(caller.thread_id)?.tokenExpiry() || caller.exp : undefined,
      });
    };
    const base = request.threadId ?? threadIdFor(d.name, new Date());
    // An id this runtime already gave out (a second spawn of the directive within the same second) is
    // taken: go straight to a suffixed one instead of a refused insert and a second authorization.
    const first = request.threadId === undefined && usedIds.has(base) ? 1 : 0;
    if (usedIds.size >= 256) usedIds.clear();
    usedIds.add(base);
    for (let attempt = first; ; attempt += 1) {
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
            ...(spawnStep !== undefined ? { spawn_step: spawnStep } : {}),
            harness: harnessId,
            provider: choice.provider.id,
            model: choice.model,
            ...(unpriced ? { unpriced_allowed: true } : {}),
          },
          runner: runnerFor,
          onRegistered,
          ...(request.registered ? { registered: true } : {}),
          ...(request.lease ? { lease: request.lease } : {}),
        });
      } catch (error) {
        if (
          KiwiError.isInstance(error) &&
          error.code === "THREAD_ID_COLLISION" &&
          request.threadId === undefined &&
          attempt < first + ID_RETRIES
        )
          continue;
        // The thread never ran: its span ends here with the refusal.
        if (!spanTaken) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: threads.redact(String((error as Error).message ?? error)),
          });
          span.end();
        }
        throw error;
      }
    }
  }

  /**
   * A child queued for any worker (`queueChild`): registered on the store with its parent (`spawning`,
   * the spawn's permission context, so a resumed parent reconciles its spawn step with it), its parent's
   * grants signed for it, then queued. Its budget is reserved by the worker that takes it (capped by the
   * parent's remaining budget then); the parent waits for it through the store.
   */
  async function queueChildThread(
    d: LoadedDirective,
    request: SpawnDirectiveOptions,
    caller: CapabilityClaims,
    harnessId: string,
    spawnStep: number | undefined,
    choice: ModelChoice,
    unpriced: string | undefined,
  ): Promise<SpawnResult> {
    const base = threadIdFor(d.name, new Date());
    let row: Awaited<ReturnType<ThreadStore["register"]>> | undefined;
    for (let attempt = usedIds.has(base) ? 1 : 0; !row; attempt += 1) {
      const threadId = attempt === 0 ? base : `${base}_${Math.random().toString(36).slice(2, 6)}`;
      try {
        row = await threads.store.register({
          threadId,
          directive: d.name,
          parentId: caller.thread_id,
          status: "spawning",
          pid: null,
          permissionContext: {
            spawned_by: "thread_directive",
            queued_by: owner ?? null,
            caller_thread: caller.thread_id,
            caller_jti: caller.jti,
            ...(spawnStep !== undefined ? { spawn_step: spawnStep } : {}),
            harness: harnessId,
            provider: choice.provider.id,
            model: choice.model,
            ...(unpriced ? { unpriced_allowed: true } : {}),
          },
        });
      } catch (error) {
        if (!(KiwiError.isInstance(error) && error.code === "THREAD_ID_COLLISION" && attempt < ID_RETRIES))
          throw error;
      }
    }
    usedIds.add(base);
    const childId = row.thread_id;
    const traceContext = storedTraceContext(trace.getSpanContext(otelContext.active()));
    try {
      await queueChild!({
        threadId: childId,
        parentId: caller.thread_id,
        directive: d.name,
        message: request.message ?? "",
        inputs: { ...(request.inputs ?? {}) },
        ...(request.harness ? { harness: request.harness } : {}),
        parentGrant: await signChildGrant(kernel, caller, childId),
        ...(traceContext ? { traceContext } : {}),
      });
    } catch (error) {
      // Registered, never queued: it ends here, so nobody waits for it.
      const code = KiwiError.isInstance(error) ? error.code : "INTERNAL_ERROR";
      await Promise.resolve(threads.store.updateStatus(childId, "error", { reason: code })).catch(
        () => undefined,
      );
      throw error;
    }
    threads.record(caller.thread_id, "child_spawned", { child_id: childId, directive: d.name, queued: true });
    const spawned = {
      success: true as const,
      thread_id: childId,
      status: "spawned" as const,
      queued: true,
      transcript_path: `.ai/threads/${childId}/transcript.jsonl`,
      started_at: row.created_at,
      // Reserved by the worker that takes it (the directive's, capped by the parent's remaining budget).
      budget: {},
    };
    const done = async (timeoutMs?: number) => {
      await threads.wait(childId, timeoutMs === undefined ? {} : { timeoutMs });
      return (await threads.done(childId))!;
    };
    return Object.defineProperties(spawned, {
      done: { value: () => done(), enumerable: false },
      wait: { value: (o: { timeoutMs?: number } = {}) => done(o.timeoutMs), enumerable: false },
    }) as unknown as SpawnResult;
  }

  /**
   * Which USD budget a spawn on an unpriced model could not enforce: the directive's own max_cost_usd, or
   * one of the caller's tree. Undefined when the model is priced or no USD budget applies.
   */
  function unpricedBudget(
    d: LoadedDirective,
    choice: ModelChoice,
    caller: CapabilityClaims | undefined,
  ): string | undefined {
    const probe = { input_tokens: 1, output_tokens: 1, cache_read_tokens: 0, cache_creation_tokens: 0 };
    const priced = choice.price?.(choice.model, probe);
    if (priced && "usd" in priced) return undefined;
    if (d.metadata.cost?.max_cost_usd !== undefined)
      return `its own <cost> has max_cost_usd ${d.metadata.cost.max_cost_usd}`;
    for (let node = caller ? threads.budgetOf(caller.thread_id) : undefined; node; node = node.parent) {
      if (node.limits.maxCostUsd !== undefined)
        return `the budget tree it would join has max_cost_usd ${node.limits.maxCostUsd} (thread ${node.threadId ?? caller!.thread_id})`;
    }
    return undefined;
  }

  /**
   * How a thread's journal writes: redacted like the transcript, fenced by the thread's lease (when the
   * runtime holds one), and a failed write (LEASE_LOST) stops the thread.
   */
  function journalOptions(threadId: string): ThreadJournalOptions {
    return {
      redact: (t) => threads.redact(t),
      fence: () => threads.fenceOf(threadId),
      onWriteError: (error) => threads.writeFailed(threadId, error),
    };
  }

  /** The thread's journal: the store's unless the runtime says otherwise (`fresh`: registered just now). */
  function journalFor(threadId: string, fresh = false): StepJournal | undefined {
    if (journal === false) return undefined;
    if (journal) return journal(threadId, threads.registry);
    if (fresh || !threads.embedded)
      return ThreadJournal.fresh(threads.store, threadId, journalOptions(threadId));
    return ThreadJournal.open(threads.registry, threadId, journalOptions(threadId));
  }

  /** A ThreadRunner for a thread's handle: a new thread's, or a resumed one's (its journal replays). */
  function buildRunner(
    handle: ThreadHandle,
    parts: {
      d: LoadedDirective;
      harness: HarnessV2;
      choice: ModelChoice;
      start: ThreadStart;
      notAfter: ThreadRunnerOptions["notAfter"];
      journal?: StepJournal;
      /** The `invoke_agent` span its spawn started (a resumed thread continues `start.trace_context`). */
      span?: Span;
    },
  ): ThreadRunner {
    const { d, harness, choice, start } = parts;
    let steps = parts.journal;
    if (!steps) {
      steps = journalFor(handle.id);
      // The run's input is step 0: a resume in place runs the same thing (queued on an asynchronous store).
      if (steps instanceof ThreadJournal)
        void Promise.resolve(steps.recordStart(start)).catch(() => undefined);
    }
    const runner: ThreadRunner = new ThreadRunner({
      kernel,
      harness,
      provider: choice.provider,
      model: choice.model,
      price: choice.price,
      contextWindow: choice.contextWindow,
      maxTokens: choice.maxTokens,
      // The threshold the thread started with: a resume in place makes the same compaction steps.
      ...(typeof start.compact_at === "number" ? { compactAt: start.compact_at } : {}),
      directive: d,
      inputs: start.inputs,
      threadId: handle.id,
      parentId: handle.parentId,
      parentGrants: start.parent_grants ?? undefined,
      parentJti: start.parent_jti ?? undefined,
      notAfter: parts.notAfter,
      budgetNode: handle.budget,
      supervisor: () => handle.supervisor(),
      ...(steps ? { journal: steps } : {}),
      telemetry: {
        captureContent,
        redact: (t) => threads.redact(t),
        ...(parts.span ? { span: parts.span } : start.trace_context ? { parent: start.trace_context } : {}),
      },
      onEvent: (event) => {
        // Replayed from the journal: written before the crash, not again (usage still rolls up).
        const replayed = runner.replaying;
        // help(stuck) reaches the manager through the kernel's signal handler, which records it.
        if (!(event.type === "signal" && event.kind === "stuck")) {
          const { type, ...fields } = event;
          handle.record(type, fields, { replayed });
        }
        if (!replayed) onEvent?.(handle.id, event);
      },
      onHarnessEvent: ({ type, ...fields }) => handle.record(type, fields, { replayed: runner.replaying }),
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
  }

  /** Whether a tool call that was in flight may simply run again: reads, or a tool declared idempotent. */
  async function rerunnable(step: JournalStep): Promise<boolean> {
    const request = (step.request ?? {}) as {
      meta?: string;
      arguments?: { item_type?: string; action?: string; item_id?: string };
      tool?: string;
    };
    let toolId: string | undefined;
    if (request.meta !== undefined) {
      if (request.meta === "search" || request.meta === "load" || request.meta === "help") return true;
      const a = request.arguments ?? {};
      if (request.meta !== "execute" || a.action !== "run") return false;
      if (a.item_type !== "tool") return a.item_type === "directive" || a.item_type === "knowledge";
      toolId = a.item_id;
    } else toolId = request.tool;
    if (typeof toolId !== "string") return false;
    const loaded = await kernel.load({ item_type: "tool", item_id: toolId });
    return loaded.success && (loaded.data as { idempotent?: unknown } | undefined)?.idempotent === true;
  }

  /** The child a reconciled spawn step got as its result. */
  function childIdOf(decision: { readonly result: unknown }): string | null {
    const id = (decision.result as { result?: { thread_id?: unknown } }).result?.thread_id;
    return typeof id === "string" ? id : null;
  }

  /** A pending tool call as the `needs_reconciliation` event names it. */
  function pendingCall(step: JournalStep): Record<string, unknown> {
    const r = (step.request ?? {}) as {
      id?: string;
      meta?: string;
      tool?: string;
      arguments?: { item_id?: string };
    };
    return {
      seq: step.seq,
      call_id: r.id ?? null,
      tool: r.tool ?? (r.meta === "execute" ? (r.arguments?.item_id ?? "execute") : (r.meta ?? "?")),
      started_at: step.started_at,
    };
  }

  async function resumeThread(threadId: string, options: ResumeOptions = {}): Promise<ResumedThread> {
    const row = await threads.store.get(threadId);
    if (!row) {
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `no thread ${threadId}: list threads with kiwi threads list`,
        context: { thread_id: threadId },
      });
    }
    if (isTerminal(row.status)) {
      throw new KiwiError({
        code: "THREAD_FINISHED",
        message: `thread ${threadId} already finished (${row.status}${row.reason ? `: ${row.reason}` : ""}): only an interrupted thread resumes in place; spawn a new thread (or resume_from its checkpoint)`,
        context: { thread_id: threadId, status: row.status },
      });
    }
    if (journal === false) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "this runtime journals nothing (journal: false): its threads cannot resume in place",
        context: { thread_id: threadId },
      });
    }
    // Read and checked before anything changes: a corrupt or newer journal is refused here.
    const recorded = await ThreadJournal.open(threads.store, threadId, journalOptions(threadId));
    const start = recorded.start as ThreadStart | undefined;
    if (!start || typeof start.directive !== "string" || typeof start.harness !== "string") {
      throw new KiwiError({
        code: "JOURNAL_CORRUPT",
        message: `thread ${threadId} has no recorded start in its journal (spawned without a journal, or by an older Kiwi): it cannot resume in place; spawn a new thread`,
        context: { thread_id: threadId },
      });
    }
    const decisions = new Map<number, PendingDecision>();
    const unresolved: JournalStep[] = [];
    /** Children registered for the queue that no worker took: perhaps never queued (queued again below). */
    const unqueued: { child: ThreadRow; args: SpawnArguments }[] = [];
    for (const step of recorded.pendingSteps()) {
      // A spawn in flight: the child it registered is its result (never a second one); none, it runs again.
      if (step.kind === "tool" && isSpawnStep(step)) {
        const { decision, child } = await reconcileSpawn(threads.store, threadId, step);
        decisions.set(step.seq, decision);
        if (queueChild && child && awaitsQueue(child)) unqueued.push({ child, args: spawnArgumentsOf(step) });
      } else if (step.kind !== "tool" || (await rerunnable(step))) decisions.set(step.seq, "rerun");
      else if (options.decision) decisions.set(step.seq, options.decision);
      else unresolved.push(step);
    }
    const d = await loadDirective(kernel, start.directive, start.inputs ?? {});
    const harness = await resolveHarness(kernel, start.harness);
    const choice = await resolveModels(d.metadata.model, d.name);
    const replay = await ThreadJournal.open(threads.store, threadId, {
      ...journalOptions(threadId),
      pending: (step) => decisions.get(step.seq) ?? "stop",
    });
    const parentId = row.parent_id;
    const resumed = await threads.resumeInPlace({
      threadId,
      ...(options.lease ? { lease: options.lease } : {}),
      message: start.message ?? "",
      note: {
        journaled_steps: replay.recordedSteps,
        ...(decisions.size
          ? {
              pending: [...decisions].map(([seq, decision]) =>
                typeof decision === "object"
                  ? { seq, decision: "reconciled", child_id: childIdOf(decision) }
                  : { seq, decision },
              ),
            }
          : {}),
      },
      claimed: () =>
        unresolved.length
          ? {
              park: "needs_reconciliation",
              fields: { ...pendingCall(unresolved[0]!), pending: unresolved.length },
            }
          : undefined,
      runner: (handle) =>
        buildRunner(handle, {
          d,
          harness,
          choice,
          start,
          journal: replay,
          notAfter: parentId ? () => runners.get(parentId)?.tokenExpiry() || undefined : undefined,
        }),
    });
    for (const { child, args } of unqueued) await requeueChild(threadId, child, args, { d, start, choice });
    // Its children died with it: interrupted ones resume in place too (a parent waiting for them would
    // otherwise wait for ever), each after its parent; what each did is in `children`.
    const children = await resumeEach(
      await threads.store.query({ parentId: threadId, status: "interrupted", limit: 1000 }),
    );
    if (children.length) Object.defineProperty(resumed, "children", { value: children, enumerable: true });
    return resumed;
  }

  /**
   * Hands a child its parent's dead owner registered for the queue (`awaitsQueue`) to `queueChild` again,
   * as that spawn would have: the spawn's arguments from the parent's journal, a grant signed again
   * (`resignChildGrant`: the lost one was never stored), under the parent's trace. Queueing it again is
   * safe whether or not the owner got as far as queueing it: a thread id is queued at most once (the
   * engine's insert decides, even for two resumers at once), and a child a worker took is no longer
   * `spawning`. Chosen over ending it and spawning a fresh one: the parent keeps the child id its spawn
   * step reconciled to, and a child that was queued after all is not shadowed by a second. Nothing it
   * needs is lost: the arguments are the ones a rerun of the step would pass (the journal's), the grant
   * is recomputed. A failure ends the child `error` (as a failed first queueing does), so its parent does
   * not wait for it for ever.
   */
  async function requeueChild(
    parentId: string,
    child: ThreadRow,
    args: SpawnArguments,
    parent: { d: LoadedDirective; start: ThreadStart; choice: ModelChoice },
  ): Promise<void> {
    const ctx = child.permission_context ?? {};
    try {
      const parentGrant = await resignChildGrant({
        kernel,
        parentId,
        directive: parent.d,
        ...(parent.start.parent_grants ? { parentGrants: parent.start.parent_grants } : {}),
        ...(parent.start.parent_jti ? { parentJti: parent.start.parent_jti } : {}),
        threadTool: parent.choice.provider.threadTool,
        callerJti: typeof ctx.caller_jti === "string" ? ctx.caller_jti : null,
        childId: child.thread_id,
      });
      await queueChild!({
        threadId: child.thread_id,
        parentId,
        directive: child.directive,
        message: args.message,
        inputs: args.inputs,
        ...(args.harness ? { harness: args.harness } : {}),
        parentGrant,
        ...(parent.start.trace_context ? { traceContext: parent.start.trace_context } : {}),
        reconciled: true,
      });
      threads.record(parentId, "child_spawned", {
        child_id: child.thread_id,
        directive: child.directive,
        queued: true,
        reconciled: true,
      });
    } catch (error) {
      const code = KiwiError.isInstance(error) ? error.code : "INTERNAL_ERROR";
      await Promise.resolve(threads.store.updateStatus(child.thread_id, "error", { reason: code })).catch(
        () => undefined,
      );
    }
  }

  /** Resumes each thread in place (with its interrupted children); what each did, or its error. */
  async function resumeEach(rows: readonly { thread_id: string; created_at: string }[]) {
    const out: RecoveredThread[] = [];
    for (const row of [...rows].sort((a, b) => a.created_at.localeCompare(b.created_at))) {
      // Resumed meanwhile with its parent.
      if ((await threads.store.get(row.thread_id))?.status !== "interrupted") continue;
      try {
        out.push(await resumeThread(row.thread_id));
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown };
        out.push({
          thread_id: row.thread_id,
          status: "failed",
          code: typeof e.code === "string" ? e.code : "INTERNAL_ERROR",
          message: typeof e.message === "string" ? e.message : String(error),
        });
      }
    }
    return out;
  }

  /** Every interrupted thread, parents first; a child resumed with its parent is listed in its `children`. */
  async function recover(): Promise<RecoveredThread[]> {
    return resumeEach(await threads.store.query({ status: "interrupted", limit: 1000 }));
  }

  /**
   * `spawn`: a top-level thread, or — a registered row with a parent — a child a parent on another worker
   * queued, whose caller is its verified grant.
   */
  async function spawnTopLevel(o: SpawnDirectiveOptions): Promise<SpawnResult> {
    const row = o.registered && o.threadId ? await threads.store.get(o.threadId) : undefined;
    if (o.parentGrant === undefined && !row?.parent_id) return threadDirective(o, undefined);
    if (!o.registered || !o.threadId) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "spawn: parentGrant runs a queued child: give its threadId with registered: true",
        context: {},
      });
    }
    const caller = await verifyChildGrant(kernel, o.parentGrant, {
      threadId: o.threadId,
      parentId: row?.parent_id ?? null,
    });
    return threadDirective(o, caller);
  }

  const recovered = recoverMode === "auto" ? await recover() : undefined;
  return {
    kernel,
    manager: threads,
    ...(source ? { providers: source } : {}),
    ...(recovered ? { recovered } : {}),
    spawn: spawnTopLevel,
    resume: resumeThread,
    recover,
    close: () => threads.close(),
  };
}
