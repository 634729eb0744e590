import { realpathSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import type { CapabilityClaims, TokenVerifier } from "@kiwi/capabilities";
import {
  type HarnessRunner,
  type HarnessRunResult,
  type HelpSignal,
  KiwiError,
  type KiwiErrorCode,
  type RunSnapshot,
  type SinkV1,
} from "@kiwi/spec";
import {
  BudgetNode,
  limitsRecord,
  reserve,
  reservedNames,
  reservedPart,
  type TreeLimits,
  type TreeLimitsRecord,
} from "./budget-tree";
import { type Decision, LiveThread } from "./live-thread";
import {
  CONTROL_POLL_MS,
  ControlQueue,
  type ControlResult,
  checkControllable,
} from "./manager/control-queue";
import { type Opened, OpeningTranscripts } from "./manager/opening-transcripts";
import { OwnerLeases } from "./manager/owner-leases";
import { StoreTree } from "./manager/store-tree";
import { WriteChains } from "./manager/write-chains";
import { LinkedBudgetNode, RecordedBudgetNode, type RecordedTree, reservationOf } from "./recorded-budget";
import type { ThreadEvent } from "./registry/rows";
import { isTerminal, type ThreadStatus } from "./registry/statuses";
import { HEARTBEAT_MS, ThreadRegistry, type ThreadRow } from "./registry/thread-registry";
import { refuseRenamedOptions } from "./renamed-options";
import { isPromise } from "./store/awaitable";
import type { ControlOutcome, Fence, ThreadLease, ThreadStore } from "./store/thread-store";
import { ensureNewThreadDir, ensureThreadDir, threadDirMissing } from "./thread-dir";
import { validateThreadId } from "./thread-id";
import { type ThreadResult, threadResultOf, threadUsageOf } from "./thread-result";
import { followTranscript } from "./transcript/follow-transcript";
import { readTranscript } from "./transcript/read-transcript";
import { redactValue } from "./transcript/redact-value";
import { createRedactor, type SecretSet, secretsFromEnv } from "./transcript/redactor";
import type { TranscriptEvent } from "./transcript/transcript-format";
import { TranscriptWriter } from "./transcript/transcript-writer";

/** What a runner factory is handed: the thread's identity and its narrow line back to the manager. */
export interface ThreadHandle {
  readonly id: string;
  readonly directive: string;
  readonly parentId: string | null;
  /** The thread's budget node (its reservation, own spend, children). */
  readonly budget: BudgetNode;
  /**
   * Records an event in the transcript and the registry (secrets redacted). `{replayed: true}`: the event
   * is one a resume in place derives again from a journaled step — it was written before the crash, so
   * it is not written again (a `cost_update` still sets the budget tree and the registry's usage).
   */
  record(type: string, fields?: Record<string, unknown>, options?: { replayed?: boolean }): void;
  /** Holds the thread paused (reason `escalated`) until a decision arrives (`onExceeded: "escalate"`). */
  escalate(): Promise<Decision>;
  /** What the thread's supervisors have asked for and the run has not yet taken up. */
  supervisor(): { pauseRequested: boolean; terminateRequested: boolean; pendingMessages: number };
}

export interface SpawnRequest {
  /** Required: `[A-Za-z0-9_-]{1,128}`. */
  readonly threadId: string;
  readonly directive: string;
  /** The harness definition that drives the thread (recorded in the `spawned` event). */
  readonly harness?: string;
  /** Builds the runner once the thread is registered (it gets the thread's handle). */
  readonly runner: (thread: ThreadHandle) => HarnessRunner;
  readonly message: string;
  readonly inputs?: Record<string, unknown>;
  readonly parentId?: string;
  /** The budget the thread asks for; capped by what its parent has left (BUDGET_EXCEEDED when none). */
  readonly budget?: TreeLimits;
  /** What happens when the thread exceeds its budget (stored as the budget's `on_exceeded`); default stop. */
  readonly onExceeded?: "stop" | "warn" | "escalate";
  /** Stored in the registry as `permission_context`: who spawned it with which grants (no token). */
  readonly permissionContext?: Record<string, unknown>;
  /** A capability token holding `spawn.thread`. */
  readonly auth: unknown;
  /** When given, must equal the manager's project root. */
  readonly projectPath?: string;
  /** Continue from a checkpoint. */
  readonly resume?: RunSnapshot;
  /**
   * Called once the thread's row is written, before anything else (its transcript, its run): what must be
   * on disk with the row for a resume after a crash right here (the runtime journals the run's input). A
   * throw ends the spawn like a transcript that cannot be opened: the thread is `error`, the caller gets it.
   */
  readonly onRegistered?: (row: ThreadRow) => void | Promise<void>;
  /**
   * The thread's row is already registered — by a submission that queued it (`spawning`, no process, same
   * directive and parent) — and this spawn runs it: the row is taken (`ThreadStore.takeRegistration`)
   * instead of inserted. A shared store only; THREAD_ID_COLLISION when no such row is there.
   */
  readonly registered?: boolean;
  /**
   * A fenced lease on the thread its host already holds (a worker's engine took it): the manager fences
   * the thread's writes with it instead of taking a second one, and leaves renewing and releasing it to
   * the host, which reports a lost lease with `writeFailed(threadId, <LEASE_LOST error>)`.
   */
  readonly lease?: ThreadLease;
}

/** A resume in place (`ThreadManager.resumeInPlace`): the same thread id, its run started again. */
export interface ResumeInPlaceRequest {
  readonly threadId: string;
  /** Builds the runner (the runtime gives it the thread's journal, so the run replays what was recorded). */
  readonly runner: (thread: ThreadHandle) => HarnessRunner;
  /** The run's first message (the one it was spawned with). */
  readonly message: string;
  /** What the `resumed` event adds (e.g. journaled steps, decisions). */
  readonly note?: Record<string, unknown>;
  /** Called once this process owns the thread and before the run starts: a throw leaves it parked instead. */
  readonly claimed?: (row: ThreadRow) => { park: string; fields: Record<string, unknown> } | undefined;
  /** A fenced lease its host already holds (see `SpawnRequest.lease`). */
  readonly lease?: ThreadLease;
}

/** What a resume in place did: the thread runs again here, or was parked for a person's decision. */
export type ResumeInPlaceResult =
  | {
      readonly thread_id: string;
      readonly status: "resumed";
      readonly transcript_path: string;
      /** The resumed run's result once the thread has ended (not enumerable: the answer stays plain data). */
      done(): Promise<ThreadResult>;
    }
  | {
      readonly thread_id: string;
      readonly status: "paused";
      readonly reason: string;
      readonly [key: string]: unknown;
    };

export interface SpawnResult {
  readonly [key: string]: unknown;
  readonly success: true;
  readonly thread_id: string;
  readonly status: "spawned";
  readonly transcript_path: string;
  readonly started_at: string;
  /** The budget actually reserved (the request capped by the parent's remainder). */
  readonly budget: TreeLimitsRecord;
  /**
   * The run's result once the thread has ended and been recorded: status, reason, final text, turns,
   * usage and USD. (Not enumerable: the spawn result a model sees stays plain data.)
   */
  done(): Promise<ThreadResult>;
  /** Like `done()`, but TIMEOUT after `timeoutMs` (the thread runs on). */
  wait(options?: { timeoutMs?: number }): Promise<ThreadResult>;
}

export type { ControlResult } from "./manager/control-queue";

/** How long and for what `ThreadManager.wait` waits. */
export interface WaitOptions {
  /** The statuses to wait for; default: any terminal one. */
  readonly statuses?: readonly ThreadStatus[];
  /** TIMEOUT after this many milliseconds; default: no limit. */
  readonly timeoutMs?: number;
  /** ABORTED as soon as it aborts (the waiting thread was killed or terminated). */
  readonly signal?: AbortSignal;
}

export interface StatusChange {
  readonly threadId: string;
  readonly status: ThreadStatus;
  readonly reason: string | null;
}

export interface ThreadManagerOptions {
  readonly projectRoot: string;
  /** Default `<projectRoot>/.ai/threads/registry.db`. */
  readonly registryFile?: string;
  /**
   * The thread store to run on (e.g. `PostgresThreadStore` of `@kiwi/threads-postgres`): then `open`
   * answers with a promise, and the manager closes the store when it closes. Default: the project's
   * embedded SQLite registry (`registryFile`).
   */
  readonly store?: ThreadStore;
  /**
   * The lease owner this manager runs its threads as (a worker's name): every thread it spawns or resumes
   * is held under the store's fenced lease (`acquireLease`, renewed while it runs), and its journal and
   * status writes are fenced by the lease's token — a superseded owner's write gets LEASE_LOST and its run
   * stops. Default on a store other than the embedded registry: `<pid>@<host>`; on the embedded registry:
   * none (the process lease of issue 11 only).
   */
  readonly owner?: string;
  /** How long a thread's lease holds without renewal (renewed every third of it); default 15 000 ms. */
  readonly leaseMs?: number;
  /** Verifies capability tokens (spawn.thread, control rights). */
  readonly verifier: TokenVerifier;
  /**
   * Values that must never reach a transcript or the registry: a fixed list, or a live `SecretSet` the
   * redaction follows as it grows (the thread runtime passes its kernel's: every `.env` value and every
   * value an `${ENV}` template read). Default: secret-looking env values.
   */
  readonly secrets?: readonly string[] | SecretSet;
  readonly now?: () => Date;
}

const SPAWN_RENAMES = {
  thread_id: "threadId",
  parent_id: "parentId",
  on_exceeded: "onExceeded",
  permission_context: "permissionContext",
  project_path: "projectPath",
};
const BUDGET_RENAMES = { max_cost_usd: "maxCostUsd", max_total_tokens: "maxTotalTokens" };

const MAX_EVENT_TEXT = 4_000;
/** Polls between lease renewals (HEARTBEAT_MS / CONTROL_POLL_MS). */
const HEARTBEAT_EVERY = Math.max(1, Math.round(HEARTBEAT_MS / 100));
/** How often a manager running threads looks for control requests queued by other processes. */
/** The fenced lease's default time to live (a worker's thread is taken over this long after it died). */
const DEFAULT_OWNER_LEASE_MS = 15_000;
/** Polls between refreshes of the budget-tree rows read from an asynchronous store. */
const TREE_REFRESH_EVERY = 5;
const CONTROL_ACTIONS = new Set(["pause", "resume", "inject_message", "terminate", "kill"]);

/** The control actions a manager applies (locally, or through the store's controls queue). */
export type ControlAction = "pause" | "resume" | "inject_message" | "terminate" | "kill";

/** A store's event as a transcript line has it (`v`, `ts`, `seq`, `type` and the fields). */
function transcriptEventOf(e: ThreadEvent): TranscriptEvent {
  return { v: 1, ts: e.ts, seq: e.seq, type: e.type, ...e.data } as unknown as TranscriptEvent;
}

/** Shortens long strings for the registry copy of an event (the transcript keeps the full text). */
function waitAborted(threadId: string): KiwiError {
  return new KiwiError({
    code: "ABORTED",
    message: `stopped waiting for thread ${threadId}: the wait was aborted`,
    context: { thread_id: threadId },
  });
}

/**
 * The `spawned` event carries the inputs, and is written once the transcript is open: inputs that are no
 * JSON (a BigInt, a cycle) are refused before anything is registered rather than lost then.
 */
function assertJsonInputs(inputs: Record<string, unknown> | undefined, threadId: string): void {
  try {
    JSON.stringify(inputs ?? {});
  } catch (cause) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `the inputs of thread ${threadId} must be JSON (${(cause as Error).message}): pass plain objects, strings and numbers, no BigInt or cycles`,
      context: { thread_id: threadId },
      cause,
    });
  }
}

function compact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] =
      typeof v === "string" && v.length > MAX_EVENT_TEXT
        ? `${v.slice(0, MAX_EVENT_TEXT)}… (${v.length} chars)`
        : v;
  }
  return out;
}

/**
 * Owns the threads of one project in this process: the registry, transcripts, live runs and their
 * controls. `spawn` is the harness-agnostic `spawn_thread` layer: it registers the thread, starts the
 * runner in the background and returns at once. A thread's lifecycle and per-turn progress are written
 * here, by the runtime, never through tools the thread's model could call (so a thread needs no
 * registry rights for its own bookkeeping).
 */
export class ThreadManager {
  readonly projectRoot: string;
  /** The thread store the manager runs on (the embedded registry unless `store` was given). */
  readonly store: ThreadStore;
  /** The store when it is the embedded SQLite registry (its synchronous answers are used directly). */
  readonly #registry: ThreadRegistry | undefined;
  /** The fenced leases of the live threads (when the manager runs as a lease owner). */
  readonly #leases: OwnerLeases;
  /** Each thread's writes to an asynchronous store, in order. */
  readonly #chains = new WriteChains((id, error) => this.#writeFailed(id, error));
  /** Budget-tree rows of an asynchronous store (refreshed while threads run), read synchronously. */
  readonly #tree: StoreTree;
  #polling = false;
  /** Controls queued for threads other processes run, and those queued for the threads run here. */
  readonly #controls: ControlQueue;
  readonly #verifier: TokenVerifier;
  readonly #redact: (s: string) => string;
  readonly #now: () => Date;
  readonly #live = new Map<string, LiveThread>();
  readonly #runners = new Map<string, HarnessRunner>();
  readonly #writers = new Map<string, TranscriptWriter>();
  /** Transcripts of threads just spawned, opened in the background (their writes wait meanwhile). */
  readonly #opening = new OpeningTranscripts<TranscriptWriter>();
  readonly #listeners = new Set<(change: StatusChange) => void>();
  #closed = false;
  #poller: ReturnType<typeof setInterval> | undefined;

  private constructor(options: ThreadManagerOptions, store: ThreadStore) {
    this.projectRoot = realpathSync(options.projectRoot);
    this.store = store;
    this.#registry = store instanceof ThreadRegistry ? store : undefined;
    this.#leases = new OwnerLeases(
      store,
      options.owner ?? (this.#registry ? undefined : `${process.pid}@${hostname()}`.slice(0, 200)),
      options.leaseMs ?? DEFAULT_OWNER_LEASE_MS,
      (id, error) => this.#writeFailed(id, error),
    );
    this.#tree = new StoreTree(store);
    this.#verifier = options.verifier;
    this.#redact = createRedactor(options.secrets ?? secretsFromEnv());
    this.#now = options.now ?? (() => new Date());
    this.#controls = new ControlQueue({
      store,
      registry: this.#registry,
      redact: this.#redact,
      apply: (id, action, payload) => this.#applyControl(id, action, payload),
      closed: () => this.#closed,
    });
  }

  /**
   * Opens the registry and marks threads left active by owners that are gone `interrupted` (not finished:
   * they resume in place with `resumeInPlace`).
   */
  static open(options: ThreadManagerOptions & { readonly store: ThreadStore }): Promise<ThreadManager>;
  static open(options: ThreadManagerOptions): ThreadManager;
  static open(options: ThreadManagerOptions): ThreadManager | Promise<ThreadManager> {
    if (options.store) return ThreadManager.#openOn(options, options.store);
    // The default registry lives in the project's .ai/threads, created without following links.
    const file =
      options.registryFile ?? join(ensureThreadDir(realpathSync(options.projectRoot)), "registry.db");
    const registry = ThreadRegistry.open(file, { now: options.now });
    const manager = new ThreadManager(options, registry);
    for (const id of registry.markInterrupted()) manager.#noteInterrupted(id);
    return manager;
  }

  static async #openOn(options: ThreadManagerOptions, store: ThreadStore): Promise<ThreadManager> {
    const manager = new ThreadManager(options, store);
    if (manager.#registry) {
      for (const id of manager.#registry.markInterrupted()) manager.#noteInterrupted(id);
    } else {
      for (const id of await store.markInterrupted()) {
        const row = await store.get(id);
        manager.#transcriptLine(id, "status", {
          status: row?.status ?? "interrupted",
          reason: row?.reason ?? null,
        });
      }
    }
    return manager;
  }

  /**
   * The embedded SQLite registry the manager runs on. INVALID_INPUT when it runs on another store (use
   * `store`, whose answers are promises).
   */
  get registry(): ThreadRegistry {
    if (this.#registry) return this.#registry;
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `this thread manager runs on the store at ${this.store.location}, not on the embedded registry: use manager.store`,
      context: { location: this.store.location },
    });
  }

  /** True when the manager runs on the embedded SQLite registry (synchronous answers). */
  get embedded(): boolean {
    return this.#registry !== undefined;
  }

  /** The lease token a live thread's writes are fenced with (undefined: not run under a lease here). */
  fenceOf(threadId: string): Fence | undefined {
    return this.#leases.fence(threadId);
  }

  /**
   * A write of a live thread failed on the store: LEASE_LOST (another owner took the thread over) stops
   * its run — its signal aborts, and nothing more of it is written (no second result). Other failures
   * are reported as process warnings.
   */
  writeFailed(threadId: string, error: unknown): void {
    this.#writeFailed(threadId, error);
  }

  #writeFailed(threadId: string, error: unknown): void {
    const live = this.#live.get(threadId);
    if (KiwiError.isInstance(error) && error.code === "LEASE_LOST") {
      if (!live || live.leaseLost) return;
      live.leaseLost = true;
      this.#leases.forget(threadId);
      live.decide({ action: "terminate" });
      live.abort.abort(error);
      return;
    }
    if (live?.leaseLost) return;
    const code = KiwiError.isInstance(error) ? error.code : "INTERNAL_ERROR";
    process.emitWarning(
      `a write of thread ${threadId} to the thread store failed (${code})`,
      "KiwiThreadStore",
    );
  }

  /** Reads the budget-tree rows of the live threads (and `extra` ones) from an asynchronous store. */
  async #refreshTree(extra: readonly string[] = []): Promise<void> {
    if (!this.#registry) await this.#tree.refresh([...this.#live.keys(), ...extra]);
  }

  /**
   * Recovers an interrupted thread's record: transcript events the dead process wrote but had not yet
   * committed to the registry are copied in (marked `recovered`), then the transcript gets the status
   * line (a torn last line is closed off first).
   */
  #noteInterrupted(id: string): void {
    const row = this.registry.get(id);
    this.#recoverEvents(id);
    this.#transcriptLine(id, "status", { status: row?.status ?? "interrupted", reason: row?.reason ?? null });
  }

  /** Copies transcript events the registry has not got (a dead owner's queued ones), marked `recovered`. */
  #recoverEvents(id: string): void {
    try {
      let known = 0;
      for (const e of this.registry.getEvents(id)) {
        const seq = e.data.transcript_seq;
        if (typeof seq === "number" && seq > known) known = seq;
      }
      const { events } = readTranscript(this.transcriptPath(id), { afterSeq: known });
      for (const { v: _v, ts, seq, type, ...fields } of events) {
        this.registry.appendEvent(id, type, {
          ...this.#registryCopy(fields),
          transcript_seq: seq,
          transcript_ts: ts,
          recovered: true,
        });
      }
      this.registry.flush();
    } catch {
      // No readable transcript: the registry keeps what it has.
    }
  }

  /** One line in the transcript of a thread this process does not run (opened and closed again). */
  #transcriptLine(id: string, type: string, fields: Record<string, unknown>): number | undefined {
    try {
      // Its folder through the sandbox's checks (a thread that died before making it gets it now).
      ensureThreadDir(this.projectRoot, id);
      const writer = this.#openWriter(this.transcriptPath(id));
      const event = writer.write(type, fields);
      writer.close();
      return event.seq;
    } catch {
      // No transcript (the thread died before writing one) or it is unusable: the registry has the status.
      return undefined;
    }
  }

  /** Replaces the manager's secrets in a text by `[REDACTED]` (what transcripts and the registry get). */
  redact(text: string): string {
    return this.#redact(text);
  }

  /** The transcript file of a thread. */
  transcriptPath(threadId: string): string {
    return join(this.projectRoot, ".ai/threads", threadId, "transcript.jsonl");
  }

  /** Verifies a token and returns its claims (TOKEN_INVALID / TOKEN_EXPIRED otherwise). */
  verify(auth: unknown): Promise<CapabilityClaims> {
    return this.#verifier.verify(auth);
  }

  async #requireCap(auth: unknown, cap: string, what: string): Promise<CapabilityClaims> {
    const claims = await this.verify(auth);
    if (!claims.caps.some((g) => g.cap === cap)) {
      throw new KiwiError({
        code: "CAPABILITY_DENIED",
        message: `${what} needs ${cap}, a system capability held only by core directives (thread_directive spawns for you)`,
        context: { reason: "cap_missing", required: cap },
      });
    }
    return claims;
  }

  /** `spawn_thread`: validate, register, start in the background, return immediately. */
  async spawn(request: SpawnRequest): Promise<SpawnResult> {
    this.#assertOpen();
    refuseRenamedOptions(request, SPAWN_RENAMES, "ThreadManager.spawn");
    await this.#requireCap(request.auth, "spawn.thread", "spawning a thread");
    const id = validateThreadId(request.threadId);
    if (request.projectPath !== undefined && request.projectPath !== this.projectRoot) {
      throw new KiwiError({
        code: "PROJECT_MISMATCH",
        message: `this thread runtime serves ${this.projectRoot}, not ${request.projectPath}`,
        context: { project_path: request.projectPath },
      });
    }
    assertJsonInputs(request.inputs, id);
    const parentId = request.parentId ?? null;
    const parent = parentId ? this.#live.get(parentId) : undefined;
    if (request.budget) refuseRenamedOptions(request.budget, BUDGET_RENAMES, "ThreadManager.spawn budget");
    // On a shared store the parent may run in another process: its node (and its ancestors') from the store.
    if (!this.#registry && parentId && !parent) await this.#refreshTree([parentId]);
    const parentNode =
      parent?.budget ??
      (!this.#registry && parentId
        ? RecordedBudgetNode.ancestorsOf(this.#recordedTree, parentId)
        : undefined);
    const limits = reserve(parentNode, request.budget ?? {});
    const written = limitsRecord(limits);
    const transcript = this.transcriptPath(id);
    const input = {
      threadId: id,
      directive: request.directive,
      parentId,
      status: "spawning",
      permissionContext: request.permissionContext
        ? redactValue(request.permissionContext, this.#redact)
        : null,
      // The reservation lives in the registry: a resume (in this process or another) rebuilds it from here.
      budget: {
        ...written,
        on_exceeded: request.onExceeded ?? "stop",
        reserved: reservedNames(reservedPart(limits, request.budget ?? {})),
      },
      transcriptPath: relative(this.projectRoot, transcript),
    } as const;
    if (request.registered && (this.#registry || !this.store.takeRegistration)) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `spawn({registered: true}) runs a thread a submission queued on a shared store; ${this.store.location} has no queue`,
        context: { thread_id: id },
      });
    }
    const row = this.#registry
      ? this.#registry.register(input)
      : request.registered
        ? await this.store.takeRegistration!({
            ...input,
            // Marked running by the worker that took it (the engine): it stays running, not back to spawning.
            status: (await this.store.get(id))?.status === "running" ? "running" : "spawning",
          })
        : await this.store.register(input);
    const reservedFigures = reservedPart(limits, request.budget ?? {});
    const budget = this.#registry
      ? new BudgetNode(limits, parent?.budget, reservedFigures, id)
      : // Its children may run in other processes: their spend is read from the store.
        new LinkedBudgetNode(this.#recordedTree, {
          limits,
          reserved: reservedFigures,
          threadId: id,
          ...(parentNode ? { parent: parentNode } : {}),
        });
    const live = new LiveThread(
      id,
      request.directive,
      parentId,
      budget,
      request.onExceeded === "escalate",
      (reason) => this.#setStatus(id, "paused", reason),
      () => this.#setStatus(id, "running", null),
    );
    live.checkpoint = () => this.#checkpoint(id);
    this.#live.set(id, live);
    let opening: Promise<Opened<TranscriptWriter>> | undefined;
    try {
      if (request.lease) this.#leases.adopt(id, request.lease);
      else await this.#leases.acquire(id);
      const registered = request.onRegistered?.(row);
      if (isPromise(registered)) await registered;
      // On the embedded registry a new thread's folder and transcript are made in the background (the run
      // waits for them; its writes meanwhile are held in order): on a busy disk the mkdir is most of a
      // spawn. Anything already at the folder's place (a leftover folder, a link) is checked and opened
      // here, its refusal thrown. On another store, whose round trips dwarf the mkdir and whose events
      // other hosts read, both are done before spawn returns, as before.
      if (this.#registry && threadDirMissing(this.projectRoot, id))
        opening = this.#openInBackground(id, transcript);
      else {
        ensureThreadDir(this.projectRoot, id);
        this.#writers.set(id, this.#openWriter(transcript));
      }
    } catch (error) {
      // Nothing runs: the registered thread ends `error` with the reason, and the caller gets the error.
      this.#live.delete(id);
      budget.release();
      budget.parent?.children.delete(budget);
      const code = KiwiError.isInstance(error) ? error.code : "TRANSCRIPT_UNAVAILABLE";
      await this.#endUnstarted(id, code);
      throw error;
    }
    this.record(id, "spawned", {
      directive: request.directive,
      ...(request.harness ? { harness: request.harness } : {}),
      parent_id: parentId,
      budget: written,
      inputs: request.inputs ?? {},
    });
    if (parent)
      this.record(parent.id, "child_spawned", {
        child_id: id,
        directive: request.directive,
        budget: written,
      });
    const handle: ThreadHandle = {
      id,
      directive: request.directive,
      parentId,
      budget,
      record: (type, fields = {}, options) => this.#recordFor(id, type, fields, options),
      escalate: () => live.waitForDecision("escalated"),
      supervisor: () => ({
        pauseRequested: live.pauseRequested,
        terminateRequested: live.terminateRequested || live.killRequested,
        pendingMessages: live.inject.length,
      }),
    };
    live.done = this.#run(live, handle, request, opening);
    this.#ensurePolling();
    const spawned = {
      success: true as const,
      thread_id: id,
      status: "spawned" as const,
      transcript_path: relative(this.projectRoot, transcript),
      started_at: row.created_at,
      budget: written,
    };
    const done = live.done;
    return Object.defineProperties(spawned, {
      done: { value: () => done, enumerable: false },
      wait: {
        value: async (options: { timeoutMs?: number } = {}) => {
          await this.wait(id, options);
          return done;
        },
        enumerable: false,
      },
    }) as SpawnResult;
  }

  /**
   * Resumes a thread in place: the same id, transcript and registry row, owned by this process from now
   * on. The thread is claimed first (`ThreadRegistry.claim`: exactly one of several processes wins; a
   * finished thread is THREAD_FINISHED, one a live process owns THREAD_OWNED); its transcript continues
   * with a `resumed` event, and the runner runs again in the background (the runtime's runner replays
   * its journal). `claimed` may park it for a person's decision instead (status `paused`, no owner).
   */
  async resumeInPlace(request: ResumeInPlaceRequest): Promise<ResumeInPlaceResult> {
    this.#assertOpen();
    const id = validateThreadId(request.threadId);
    if (this.#live.has(id)) {
      throw new KiwiError({
        code: "THREAD_OWNED",
        message: `thread ${id} is running in this process already`,
        context: { thread_id: id },
      });
    }
    // The fenced lease first (THREAD_OWNED while another owner's lease holds: nothing changed yet).
    if (request.lease) this.#leases.adopt(id, request.lease);
    else await this.#leases.acquire(id);
    let row: ThreadRow;
    try {
      // Held under the fenced lease, the lease decides who owns it (the previous owner's expired): its
      // process lease (a pid, maybe on another host, maybe stopped) does not hold it any more.
      const claim = this.#leases.has(id) ? { isAlive: () => false, leaseMs: 0 } : undefined;
      row = this.#registry ? this.#registry.claim(id, claim) : await this.store.claim(id, claim);
    } catch (error) {
      await this.#leases.release(id);
      throw error;
    }
    if (this.#registry) this.#recoverEvents(id);
    const transcript = this.transcriptPath(id);
    const parked = request.claimed?.(row);
    if (parked) {
      if (this.#registry) {
        this.#registry.appendEvent(id, parked.park, this.#registryCopy(parked.fields));
        this.#registry.park(id, parked.park);
      } else {
        await this.store.appendEvent(id, parked.park, this.#registryCopy(parked.fields), this.fenceOf(id));
        await this.store.park(id, parked.park);
      }
      const seq = this.#transcriptLine(id, parked.park, parked.fields);
      this.#transcriptLine(id, "status", { status: "paused", reason: parked.park });
      if (seq !== undefined) await this.store.flush();
      // Parked for a person: no owner holds it.
      await this.#leases.release(id);
      for (const l of this.#listeners) l({ threadId: id, status: "paused", reason: parked.park });
      return { thread_id: id, status: "paused", reason: parked.park, ...parked.fields };
    }
    if (!this.#registry && row.parent_id) await this.#refreshTree([row.parent_id]);
    const parentId = row.parent_id;
    // The reservation and the tree come from the registry: the parent may run in another process (or
    // not at all), and children may have spent before the crash or run elsewhere.
    const budget = new LinkedBudgetNode(this.#recordedTree, {
      ...reservationOf(row.budget),
      threadId: id,
      ...(parentId ? { parent: RecordedBudgetNode.ancestorsOf(this.#recordedTree, parentId) } : {}),
    });
    const onExceeded = (row.budget as { on_exceeded?: string } | null)?.on_exceeded;
    const live = new LiveThread(
      id,
      row.directive,
      parentId,
      budget,
      onExceeded === "escalate",
      (reason) => this.#setStatus(id, "paused", reason),
      () => this.#setStatus(id, "running", null),
    );
    live.checkpoint = () => this.#checkpoint(id);
    live.status = "running";
    this.#live.set(id, live);
    try {
      ensureThreadDir(this.projectRoot, id);
      this.#writers.set(id, this.#openWriter(transcript));
    } catch (error) {
      this.#live.delete(id);
      budget.release();
      budget.parent?.children.delete(budget);
      const code = KiwiError.isInstance(error) ? error.code : "TRANSCRIPT_UNAVAILABLE";
      await this.#endUnstarted(id, code);
      throw error;
    }
    this.record(id, "resumed", { in_place: true, pid: process.pid, ...(request.note ?? {}) });
    this.record(id, "status", { status: "running", reason: null });
    for (const l of this.#listeners) l({ threadId: id, status: "running", reason: null });
    const handle: ThreadHandle = {
      id,
      directive: row.directive,
      parentId,
      budget,
      record: (type, fields = {}, options) => this.#recordFor(id, type, fields, options),
      escalate: () => live.waitForDecision("escalated"),
      supervisor: () => ({
        pauseRequested: live.pauseRequested,
        terminateRequested: live.terminateRequested || live.killRequested,
        pendingMessages: live.inject.length,
      }),
    };
    live.done = this.#run(live, handle, { runner: request.runner, message: request.message });
    this.#ensurePolling();
    const done = live.done;
    const resumed = {
      thread_id: id,
      status: "resumed" as const,
      transcript_path: relative(this.projectRoot, transcript),
    };
    return Object.defineProperty(resumed, "done", {
      value: () => done,
      enumerable: false,
    }) as ResumeInPlaceResult;
  }

  /**
   * The store's view of budget trees, for nodes of threads this process does not run: read at once from
   * the embedded registry; from rows refreshed while threads run (every ~0.5 s) on another store.
   */
  readonly #recordedTree: RecordedTree = {
    row: (threadId) => (this.#registry ? this.#registry.get(threadId) : this.#tree.row(threadId)),
    children: (threadId) =>
      this.#registry
        ? this.#registry.query({ parentId: threadId, limit: 1000 })
        : this.#tree.children(threadId),
    live: (threadId) => this.#live.get(threadId)?.budget,
  };

  #openWriter(transcript: string): TranscriptWriter {
    return TranscriptWriter.open(transcript, { redact: this.#redact, now: this.#now });
  }

  /** Makes a new thread's folder and opens its transcript off `spawn`'s path (see `OpeningTranscripts`). */
  #openInBackground(id: string, transcript: string): Promise<Opened<TranscriptWriter>> {
    return this.#opening.open(
      id,
      async () => {
        // Not a moment of spawn's own: its caller has its answer before any of this runs.
        await new Promise((resolve) => setImmediate(resolve));
        await ensureNewThreadDir(this.projectRoot, id);
        return this.#openWriter(transcript);
      },
      (opened) => {
        if (opened.ok) this.#writers.set(id, opened.writer);
      },
    );
  }

  /** A thread that never ran (its transcript or journal could not be set up) ends `error` with the reason. */
  async #endUnstarted(id: string, code: string): Promise<void> {
    const fence = this.fenceOf(id);
    try {
      if (this.#registry)
        this.#registry.updateStatus(id, "error", { reason: code, ...(fence ? { fence } : {}) });
      else await this.store.updateStatus(id, "error", { reason: code, ...(fence ? { fence } : {}) });
    } finally {
      await this.#leases.release(id);
    }
  }

  #recordFor(
    id: string,
    type: string,
    fields: Record<string, unknown>,
    options: { replayed?: boolean } | undefined,
  ): void {
    if (!options?.replayed) {
      this.record(id, type, fields);
      return;
    }
    // Written before the crash: only what the manager keeps in memory follows it.
    if (type === "cost_update") this.#rollUsage(id, fields);
  }

  async #run(
    live: LiveThread,
    handle: ThreadHandle,
    request: Pick<SpawnRequest, "runner" | "message" | "resume">,
    opening?: Promise<Opened<TranscriptWriter>>,
  ): Promise<ThreadResult> {
    // At least one macrotask later (opening the transcript starts with one): spawn has returned to its
    // caller before any runner code runs. Awaited here first, so the run starts before a reader that
    // waits for the transcript (`readEvents`) reads it.
    let opened: Opened<TranscriptWriter> | undefined;
    if (opening) opened = await opening;
    else await new Promise((resolve) => setImmediate(resolve));
    // Nothing runs before the transcript is open; without one the thread ends `error`, never started.
    if (opened && !opened.ok) {
      const { code, message } = opened.error;
      return this.#finish(live, undefined, { code, message });
    }
    let result: HarnessRunResult | undefined;
    let failure: { code: KiwiErrorCode; message: string } | undefined;
    try {
      const runner = request.runner(handle);
      this.#runners.set(live.id, runner);
      if (!live.killRequested) {
        const running = this.#setStatus(live.id, "running", null);
        if (isPromise(running)) await running;
      }
      result = await runner.run({
        message: request.message,
        signal: live.abort.signal,
        control: live.control,
        resume: request.resume,
      });
    } catch (error) {
      failure = {
        code: KiwiError.isInstance(error)
          ? error.code
          : ((error as { code?: string }).code ?? "INTERNAL_ERROR"),
        message: error instanceof Error ? error.message : String(error),
      };
    }
    return this.#finish(live, result, failure);
  }

  #finish(
    live: LiveThread,
    result: HarnessRunResult | undefined,
    failure: { code: KiwiErrorCode; message: string } | undefined,
  ): ThreadResult | Promise<ThreadResult> {
    if (live.leaseLost) return this.#superseded(live, result);
    let status: ThreadStatus;
    let reason: string;
    if (live.killRequested) {
      status = "killed";
      reason = "killed";
    } else if (failure || !result || result.status === "error") {
      status = "error";
      reason = failure?.code ?? result?.error?.code ?? "error";
    } else if (result.status === "aborted") {
      status = live.terminateRequested ? "completed" : "killed";
      reason = live.terminateRequested ? "terminated" : result.reason;
    } else {
      status = "completed";
      reason = live.terminateRequested && result.reason === "terminated" ? "terminated" : result.reason;
    }
    // An unpriced model's cost is unknown: null, never $0.
    const usage = result ? { ...result.usage, usd: live.unpriced ? null : live.budget.own.usd } : undefined;
    if (failure || result?.error) this.record(live.id, "error", { ...(failure ?? result?.error) });
    this.#write(live.id, "completed", {
      status,
      reason,
      turns: result?.turns ?? 0,
      usage: usage ?? null,
      final_text: result?.final_text ?? "",
    });
    live.result = result;
    live.budget.release();
    // On an asynchronous store the status is committed after every queued event of the thread (its chain).
    const committed = this.#setStatus(live.id, status, reason, usage);
    if (live.parentId && this.#writers.has(live.parentId)) {
      this.record(live.parentId, "child_completed", {
        child_id: live.id,
        status,
        reason,
        spent: live.budget.spent(),
      });
    }
    const error = failure ?? result?.error;
    const ended: ThreadResult = {
      thread_id: live.id,
      status,
      reason,
      final_text: result?.final_text ?? "",
      turns: result?.turns ?? 0,
      usage: threadUsageOf(usage),
      ...(status === "error"
        ? { error: error ? { code: error.code, message: error.message } : { code: reason, message: "" } }
        : {}),
    };
    if (!isPromise(committed)) {
      this.#forget(live);
      return ended;
    }
    return this.#chains
      .settled(live.id)
      .then(() => committed)
      .then(
        () => {
          this.#forget(live);
          return live.leaseLost ? this.#superseded(live, result) : ended;
        },
        (e: unknown) => {
          this.#forget(live);
          throw e;
        },
      );
  }

  /** Drops what the manager kept for a thread that ended here. */
  #forget(live: LiveThread): void {
    this.#writers.get(live.id)?.close();
    this.#writers.delete(live.id);
    this.#runners.delete(live.id);
    this.#live.delete(live.id);
    // Given up once the end is recorded: the thread is finished, nobody takes it over.
    void this.#leases.release(live.id);
  }

  /**
   * The end of a run whose owner was superseded (LEASE_LOST): another owner runs the thread now, so this
   * one writes nothing more — no `completed`, no status, no second step result.
   */
  #superseded(live: LiveThread, result: HarnessRunResult | undefined): ThreadResult {
    live.budget.release();
    this.#forget(live);
    return {
      thread_id: live.id,
      status: "error",
      reason: "LEASE_LOST",
      final_text: "",
      turns: result?.turns ?? 0,
      usage: threadUsageOf(undefined),
      error: {
        code: "LEASE_LOST",
        message: `another owner took thread ${live.id} over: this process stopped running it and recorded nothing more`,
      },
    };
  }

  /**
   * Records an event of a live thread: the full line in its transcript, a compact copy in the registry.
   * `cost_update` also rolls the spend into the budget tree and the registry's usage column; the
   * harness's own `completed` is left to the manager, which writes the final one with the status.
   */
  record(threadId: string, type: string, fields: Record<string, unknown> = {}): void {
    // The final `completed` (with the thread's status) is the manager's own; a harness's is dropped.
    if (type === "completed") return;
    this.#write(threadId, type, fields);
  }

  /** A `cost_update` (cumulative usage) sets the budget tree's own spend and the registry's usage. */
  #rollUsage(threadId: string, fields: Record<string, unknown>): void {
    const live = this.#live.get(threadId);
    if (!live) return;
    const usage = fields.usage as { input_tokens?: number; output_tokens?: number } | undefined;
    live.budget.own.tokens = (usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0);
    if (typeof fields.usd === "number") live.budget.own.usd = fields.usd;
    else if (fields.unpriced === true) live.unpriced = true;
    const spent = { ...(usage ?? {}), usd: fields.usd ?? null };
    // Group-committed with the thread's events (the cost_update event carries the same usage).
    if (this.#registry) this.#registry.queueUsage(threadId, spent);
    else if (!live.leaseLost) {
      const fence = this.fenceOf(threadId);
      this.#chains.queue(threadId, () => this.store.updateUsage(threadId, spent, fence));
    }
  }

  #write(threadId: string, type: string, fields: Record<string, unknown>): void {
    // Its transcript is still being opened: written (transcript and registry) once it is, in order.
    if (this.#opening.defer(threadId, () => this.#write(threadId, type, fields))) return;
    if (type === "cost_update") this.#rollUsage(threadId, fields);
    const seq = this.#writers.get(threadId)?.append(type, fields);
    const data = this.#registryCopy(fields);
    const event = seq !== undefined ? { ...data, transcript_seq: seq } : data;
    if (this.#registry) {
      this.#registry.appendEvent(threadId, type, event);
      return;
    }
    // A superseded owner writes nothing more: known here, or refused by the store (LEASE_LOST: fenced).
    if (this.#live.get(threadId)?.leaseLost) return;
    const fence = this.fenceOf(threadId);
    this.#chains.queue(threadId, () => this.store.appendEvent(threadId, type, event, fence));
  }

  /**
   * An event's fields as the store keeps them: secrets redacted; in the embedded registry long strings are
   * shortened too (its transcript file has the full text), a shared store keeps them whole (the transcript
   * any host follows).
   */
  #registryCopy(fields: Record<string, unknown>): Record<string, unknown> {
    const redacted = redactValue(fields, this.#redact);
    return this.#registry ? compact(redacted) : redacted;
  }

  /**
   * Changes a live thread's status. On the embedded registry at once; on another store after the thread's
   * queued writes, fenced by its lease: the promise of that commit (listeners hear of it once committed).
   */
  #setStatus(
    id: string,
    status: ThreadStatus,
    reason: string | null,
    usage?: Record<string, unknown>,
  ): void | Promise<void> {
    if (this.#registry) {
      const row = this.#registry.get(id);
      if (!row || row.status === status) return;
      this.#registry.updateStatus(id, status, { reason: reason ?? undefined, usage });
      this.record(id, "status", { status, reason });
      for (const l of this.#listeners) l({ threadId: id, status, reason });
      return;
    }
    const live = this.#live.get(id);
    if (!live || live.status === status || live.leaseLost) return;
    live.status = status;
    const fence = this.fenceOf(id);
    const committed = this.#chains.run(id, () =>
      this.store.updateStatus(id, status, {
        reason: reason ?? undefined,
        usage,
        ...(fence ? { fence } : {}),
      }),
    );
    this.record(id, "status", { status, reason });
    return Promise.resolve(committed).then(() => {
      for (const l of this.#listeners) l({ threadId: id, status, reason });
    });
  }

  #checkpoint(id: string): void {
    const runner = this.#runners.get(id) as { snapshot?: () => RunSnapshot } | undefined;
    if (!runner?.snapshot) return;
    // Redacted like everything else written to disk: a secret in a tool result is not kept either.
    const snap = redactValue(runner.snapshot(), this.#redact);
    const input = { turn: snap.turn, state: snap as never };
    if (this.#registry) {
      const saved = this.#registry.saveCheckpoint(id, input);
      this.record(id, "checkpoint", { turn: snap.turn, checkpoint_seq: saved.seq });
      return;
    }
    const fence = this.fenceOf(id);
    this.#chains.queue(id, async () => {
      const saved = await this.store.saveCheckpoint(id, input, fence);
      this.record(id, "checkpoint", { turn: snap.turn, checkpoint_seq: saved.seq });
    });
  }

  // ── controls ────────────────────────────────────────────────────────────────────────────────────

  /** The live thread, or (run by another process, still active) undefined; throws for unknown or ended. */
  #target(threadId: string, action: string): LiveThread | undefined {
    const live = this.#live.get(threadId);
    if (live) return live;
    if (!this.#registry) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `thread ${threadId} is not run by this process and the manager runs on ${this.store.location}: use manager.control(${JSON.stringify(threadId)}, ${JSON.stringify(action)}, …), which queues it for its owner`,
        context: { thread_id: threadId, action },
      });
    }
    checkControllable(threadId, action, this.#registry.get(threadId));
    return undefined;
  }

  /**
   * Applies a control to a thread on any store: here when this process runs it, otherwise queued in the
   * store's controls queue for its owner — another process, or a worker on another host — which applies it
   * on its next poll (`awaitControl(request_id)` waits for the outcome). `payload`: `message` (inject, or
   * resume), `limits` (resume an escalation), `immediate` (terminate).
   */
  async control(
    threadId: string,
    action: ControlAction,
    payload: { message?: string; limits?: Record<string, number>; immediate?: boolean } = {},
  ): Promise<ControlResult> {
    if (this.#registry || this.#live.has(threadId)) return this.#applyControl(threadId, action, payload);
    if (!CONTROL_ACTIONS.has(action)) this.#applyControl(threadId, action, payload);
    return this.#controls.queue(threadId, action, payload);
  }

  #applyControl(threadId: string, action: string, payload: Record<string, unknown>): ControlResult {
    const p = payload as { message?: unknown; limits?: Record<string, number>; immediate?: boolean };
    const message = typeof p.message === "string" ? p.message : undefined;
    if (action === "inject_message") {
      if (!message)
        throw new KiwiError({
          code: "INVALID_INPUT",
          message: "inject_message needs a non-empty message",
          context: { thread_id: threadId },
        });
      return this.inject(threadId, message);
    }
    if (action === "pause") return this.pause(threadId);
    if (action === "resume") return this.resume(threadId, { message, limits: p.limits });
    if (action === "terminate") return this.terminate(threadId, { immediate: p.immediate === true });
    if (action === "kill") return this.kill(threadId);
    else
      throw new KiwiError({
        code: "UNKNOWN_ACTION",
        message: `unknown control action ${JSON.stringify(action)}: use pause, resume, inject_message, terminate or kill`,
        context: { thread_id: threadId, action },
      });
  }

  /**
   * Waits for the outcome of a control queued for a thread another process runs (a `ControlResult` with
   * `queued: true` and its `request_id`): `{ok: true}` once that process applied it, or the error it met.
   * A request nobody took yet is withdrawn — so it never applies later — and fails when its thread ended
   * (THREAD_FINISHED), lost its owner (THREAD_NOT_RUNNING), or `timeoutMs` passed (CONTROL_TIMEOUT).
   */
  awaitControl(
    requestId: number,
    options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
  ): Promise<ControlOutcome> {
    return this.#controls.awaitOutcome(requestId, options);
  }

  /**
   * One poll on an asynchronous store: control requests queued for the live threads, the process lease,
   * the fenced leases and the budget-tree rows. Never two at once (a slow store skips ticks).
   */
  async #pollStore(polls: number): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const ids = [...this.#live.keys()];
      if (ids.length === 0 || this.#closed) return;
      try {
        await this.#controls.applyQueued(ids);
      } catch {
        // Unreachable right now: the next poll tries again.
      }
      if (polls % HEARTBEAT_EVERY === 0)
        await Promise.resolve(this.store.heartbeat(ids)).catch(() => undefined);
      if (polls % this.#renewEvery() === 0) await this.#leases.renew();
      if (polls % TREE_REFRESH_EVERY === 0) await this.#refreshTree().catch(() => undefined);
    } finally {
      this.#polling = false;
    }
  }

  /** Polls between lease renewals: a third of the lease's time to live. */
  #renewEvery(): number {
    return Math.max(1, Math.round(this.#leases.ttlMs / 3 / CONTROL_POLL_MS));
  }

  #ensurePolling(): void {
    if (this.#poller || this.#closed) return;
    let polls = 0;
    this.#poller = setInterval(() => {
      if (this.#live.size === 0) {
        clearInterval(this.#poller);
        this.#poller = undefined;
        return;
      }
      if (!this.#registry) {
        polls += 1;
        void this.#pollStore(polls);
        return;
      }
      if (this.#leases.size > 0 && polls % this.#renewEvery() === 0) void this.#leases.renew();
      this.#controls.applyQueuedNow([...this.#live.keys()]);
      polls += 1;
      if (polls % HEARTBEAT_EVERY === 0) {
        try {
          this.registry.heartbeat([...this.#live.keys()]);
        } catch {
          // Busy: the next beat renews the lease.
        }
      }
    }, CONTROL_POLL_MS);
    this.#poller.unref();
  }

  /**
   * Who may control a thread: its parent thread (a token whose thread is the parent) or a holder of
   * `thread.control`. Throws CAPABILITY_DENIED otherwise.
   */
  async authorizeControl(auth: unknown, threadId: string): Promise<CapabilityClaims> {
    const claims = await this.verify(auth);
    if (claims.caps.some((g) => g.cap === "thread.control")) return claims;
    const row = await this.store.get(threadId);
    if (row && row.parent_id !== null && row.parent_id === claims.thread_id) return claims;
    throw new KiwiError({
      code: "CAPABILITY_DENIED",
      message: `only the parent of ${threadId} or a holder of thread.control may control it`,
      context: { reason: "not_parent", required: "thread.control", thread_id: threadId },
    });
  }

  #intervention(live: LiveThread, action: string, fields: Record<string, unknown> = {}): void {
    this.record(live.id, "intervention", { action, ...fields });
  }

  /** Queues a user message for the thread's next turn. */
  inject(threadId: string, message: string): ControlResult {
    const live = this.#target(threadId, "inject_message");
    if (!live) return this.#controls.queueNow(threadId, "inject_message", { message });
    live.inject.push(message);
    this.#intervention(live, "inject_message", { chars: message.length });
    return { thread_id: threadId, queued: false, pending_messages: live.inject.length };
  }

  /** Asks the thread to wait at its next turn boundary (status `paused` once it does). */
  pause(threadId: string): ControlResult {
    const live = this.#target(threadId, "pause");
    if (!live) return this.#controls.queueNow(threadId, "pause");
    live.pauseRequested = true;
    this.#intervention(live, "pause");
    const status = this.#registry ? this.#registry.get(threadId)!.status : (live.status ?? "running");
    return { thread_id: threadId, queued: false, status };
  }

  /**
   * Ends a pause (or an escalation): optionally with a message for the next turn and, for an
   * escalation, raised limits. Without a pending wait, cancels a requested pause.
   */
  resume(
    threadId: string,
    options: { message?: string; limits?: Record<string, number> } = {},
  ): ControlResult {
    const live = this.#target(threadId, "resume");
    if (!live) return this.#controls.queueNow(threadId, "resume", { ...options });
    this.#intervention(live, "resume", {
      ...(options.message ? { chars: options.message.length } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    live.pauseRequested = false;
    const woke = live.decide({ action: "resume", message: options.message, limits: options.limits });
    if (!woke && options.message) live.inject.push(options.message);
    return { thread_id: threadId, queued: false, resumed: woke };
  }

  /**
   * Graceful stop: the current turn finishes and the thread ends `completed` (reason `terminated`)
   * before its next model call. `immediate` also cuts the turn in flight (its stream and tool runs).
   */
  terminate(threadId: string, options: { immediate?: boolean } = {}): ControlResult {
    const live = this.#target(threadId, "terminate");
    if (!live)
      return this.#controls.queueNow(threadId, "terminate", { immediate: options.immediate === true });
    live.terminateRequested = true;
    this.#intervention(live, "terminate", { immediate: options.immediate === true });
    this.#setStatus(threadId, "terminating", "terminate requested");
    live.decide({ action: "terminate" });
    if (options.immediate) live.abort.abort(new KiwiError({ code: "ABORTED", message: "terminated" }));
    return { thread_id: threadId, queued: false, status: "terminating" };
  }

  /** Aborts the thread now: in-flight HTTP and subprocesses are cut; it ends `killed`. */
  kill(threadId: string): ControlResult {
    const live = this.#target(threadId, "kill");
    if (!live) return this.#controls.queueNow(threadId, "kill");
    live.killRequested = true;
    this.#intervention(live, "kill");
    live.decide({ action: "terminate" });
    live.abort.abort(new KiwiError({ code: "ABORTED", message: "killed" }));
    return { thread_id: threadId, queued: false, status: "killing" };
  }

  /** The last `lastN` transcript events of a thread (live or finished). */
  readTranscript(threadId: string, lastN = 50): { events: TranscriptEvent[]; torn: boolean } {
    // On a shared store the transcript file is the owner's, on its host (the store's events are for all).
    const row = this.#registry ? this.#registry.get(threadId) : this.#live.has(threadId) || undefined;
    if (!row) {
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `no thread ${threadId}`,
        context: { thread_id: threadId },
      });
    }
    // Spawned a moment ago, its transcript still being opened: nothing is in it yet.
    if (this.#opening.has(threadId)) return { events: [], torn: false };
    return readTranscript(this.transcriptPath(threadId), { lastN });
  }

  /**
   * The last `lastN` events of a thread, on any store: its transcript file on the embedded registry
   * (`readTranscript`), the store's events (any host) on another store.
   */
  async readEvents(threadId: string, lastN = 50): Promise<{ events: TranscriptEvent[]; torn: boolean }> {
    // Spawned a moment ago: read once its transcript is open (what it recorded meanwhile is in it then).
    await this.#opening.whenOpen(threadId);
    if (this.#registry) return this.readTranscript(threadId, lastN);
    if (!(await this.store.get(threadId))) {
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `no thread ${threadId}`,
        context: { thread_id: threadId },
      });
    }
    const events = await this.store.getEvents(threadId);
    return { events: events.slice(-lastN).map(transcriptEventOf), torn: false };
  }

  // ── help signals ────────────────────────────────────────────────────────────────────────────────

  /**
   * The kernel's help-signal handler: signals are recorded on the calling thread; `stuck`/`escalate`
   * pause it at the next turn boundary when its directive escalates; `checkpoint` saves its state there.
   */
  readonly signalHandler = async (signal: HelpSignal): Promise<Record<string, unknown>> => {
    const threadId = typeof signal.meta.__thread_id === "string" ? signal.meta.__thread_id : undefined;
    const live = threadId ? this.#live.get(threadId) : undefined;
    if (!live) return { recorded: false, note: "not called from a live thread of this runtime" };
    this.record(live.id, "signal", {
      kind: signal.kind,
      reason: signal.reason ?? null,
      topic: signal.topic ?? null,
    });
    if (signal.kind === "checkpoint") {
      live.checkpointRequested = true;
      return { recorded: true, note: "the thread's state is saved at the end of this turn" };
    }
    if (live.pauseOnEscalate) {
      live.pauseRequested = true;
      live.pauseReason = signal.kind;
      return { recorded: true, note: "the thread pauses after this turn until a supervisor decides" };
    }
    return { recorded: true, note: "recorded for the supervisor; carry on or finish" };
  };

  // ── monitoring ──────────────────────────────────────────────────────────────────────────────────

  /** Calls the listener on every status change; returns the unsubscribe function. */
  watch(listener: (change: StatusChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the thread's row once its status is one of `statuses` (default: any terminal one);
   * TIMEOUT after `timeoutMs`; ABORTED as soon as `signal` aborts (a thread killed while it waits for its
   * children stops waiting at once).
   */
  wait(threadId: string, options: WaitOptions = {}): Promise<ThreadRow> {
    if (options.signal?.aborted) return Promise.reject(waitAborted(threadId));
    const want = (s: ThreadStatus) => (options.statuses ? options.statuses.includes(s) : isTerminal(s));
    if (!this.#registry) return this.#waitOnStore(threadId, want, options);
    const now = this.registry.get(threadId);
    if (!now) {
      return Promise.reject(
        new KiwiError({
          code: "ITEM_NOT_FOUND",
          message: `no thread ${threadId}`,
          context: { thread_id: threadId },
        }),
      );
    }
    if (want(now.status)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              stop();
              reject(
                new KiwiError({
                  code: "TIMEOUT",
                  message: `thread ${threadId} did not reach ${options.statuses?.join("/") ?? "an end"} within ${options.timeoutMs} ms`,
                  context: { thread_id: threadId, status: this.registry.get(threadId)?.status },
                }),
              );
            }, options.timeoutMs);
      const onAbort = () => {
        stop();
        reject(waitAborted(threadId));
      };
      const unwatch = this.watch((c) => {
        if (c.threadId !== threadId || !want(c.status)) return;
        stop();
        resolve(this.registry.get(threadId)!);
      });
      const stop = () => {
        unwatch();
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * `wait` on an asynchronous store: status changes of threads run here are heard as they are committed;
   * a thread run elsewhere (another process or host) is polled in the store.
   */
  async #waitOnStore(
    threadId: string,
    want: (s: ThreadStatus) => boolean,
    options: WaitOptions,
  ): Promise<ThreadRow> {
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    let heard = false;
    const stop = this.watch((c) => {
      if (c.threadId === threadId && want(c.status)) heard = true;
    });
    try {
      for (let pollMs = 10; ; pollMs = Math.min(pollMs * 2, 250)) {
        const row = await this.store.get(threadId);
        if (!row) {
          throw new KiwiError({
            code: "ITEM_NOT_FOUND",
            message: `no thread ${threadId}`,
            context: { thread_id: threadId },
          });
        }
        if (want(row.status)) return row;
        if (Date.now() >= deadline) {
          throw new KiwiError({
            code: "TIMEOUT",
            message: `thread ${threadId} did not reach ${options.statuses?.join("/") ?? "an end"} within ${options.timeoutMs} ms`,
            context: { thread_id: threadId, status: row.status },
          });
        }
        const until = Math.min(deadline, Date.now() + (heard ? 0 : pollMs));
        while (!heard && Date.now() < until) {
          if (options.signal?.aborted) throw waitAborted(threadId);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    } finally {
      stop();
    }
  }

  /**
   * The live run's promise: resolves when the thread has ended and been recorded, with its result. For a
   * thread this process does not run: its result when it has ended, else undefined at once.
   */
  done(threadId: string): Promise<ThreadResult | undefined> {
    const live = this.#live.get(threadId)?.done;
    if (live) return live;
    return this.#registry ? Promise.resolve(this.result(threadId)) : this.#resultFromStore(threadId);
  }

  /** A finished thread's result from a store's row and its last events (any host). */
  async #resultFromStore(threadId: string): Promise<ThreadResult | undefined> {
    const row = await this.store.get(threadId);
    if (!row || !isTerminal(row.status)) return undefined;
    const events = await this.store.getEvents(threadId, { types: ["completed", "error"] });
    return threadResultOf(row, events.map(transcriptEventOf));
  }

  /**
   * A finished thread's result (status, reason, final text, turns, usage, USD) from the registry and the
   * end of its transcript; undefined while it has not ended (or when there is no such thread).
   */
  result(threadId: string): ThreadResult | undefined {
    const row = this.registry.get(threadId);
    if (!row || !isTerminal(row.status)) return undefined;
    let tail: TranscriptEvent[] = [];
    try {
      tail = this.readTranscript(threadId, 8).events;
    } catch {
      // No transcript (never started): the registry's row still says how it ended.
    }
    return threadResultOf(row, tail);
  }

  /**
   * Streams a thread's transcript events into a sink until the thread completes or `signal` aborts: from
   * its transcript file on the embedded registry, from the store's events (any host) on another store.
   */
  async follow(threadId: string, sink: SinkV1, options: { signal?: AbortSignal } = {}): Promise<number> {
    let n = 0;
    const signal = options.signal ?? new AbortController().signal;
    if (!this.#registry) {
      for (let after = 0; !signal.aborted; ) {
        const ended = isTerminal((await this.store.get(threadId))?.status ?? "completed");
        for (const e of await this.store.getEvents(threadId, { afterSeq: after })) {
          await sink.write({ event: e.type, data: JSON.stringify(transcriptEventOf(e)), id: String(e.seq) });
          after = e.seq;
          n += 1;
        }
        // Read once more after the end was seen: its last events were committed before its status.
        if (ended) break;
        await new Promise((resolve) => setTimeout(resolve, CONTROL_POLL_MS));
      }
      await sink.flush?.();
      return n;
    }
    for await (const event of followTranscript(this.transcriptPath(threadId), { signal })) {
      await sink.write({ event: event.type, data: JSON.stringify(event), id: String(event.seq) });
      n += 1;
    }
    await sink.flush?.();
    return n;
  }

  /** The budget node of a thread this process runs (its reservation, its children, the budgets above it). */
  budgetOf(threadId: string): BudgetNode | undefined {
    return this.#live.get(threadId)?.budget;
  }

  /** Threads this process runs right now. */
  liveThreads(): string[] {
    return [...this.#live.keys()];
  }

  /** Kills every live thread, waits for them to be recorded, flushes and closes the registry. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const running = [...this.#live.values()];
    for (const live of running) {
      live.killRequested = true;
      live.decide({ action: "terminate" });
      live.abort.abort(new KiwiError({ code: "ABORTED", message: "runtime closing" }));
    }
    await Promise.allSettled(running.map((l) => l.done));
    this.#closed = true;
    if (this.#poller) clearInterval(this.#poller);
    // What is still queued for an asynchronous store is written before it closes.
    await this.#chains.all();
    await this.store.close();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new KiwiError({
        code: "REGISTRY_UNAVAILABLE",
        message: "the thread manager is closed",
        context: {},
      });
    }
  }
}
