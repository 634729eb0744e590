import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
// DBOS 5.x keeps a queue's worker concurrency in the system database, one value for every worker; an
// internal queue is configured per process and "owns its name outright" there (its dispatch ignores the
// database row): the only way to give each worker its own --concurrency. Packaged under the SDK's
// `./internal/*` export; the SDK version is pinned.
import { registerInternalQueue } from "@dbos-inc/dbos-sdk/internal/wfqueue";
import { KiwiError } from "@kiwi/spec";
import {
  DEFAULT_LEASE_MS,
  isTerminal,
  JOURNAL_FORMAT_VERSION,
  type ThreadLease,
  type ThreadRow,
  type ThreadStatus,
  type ThreadStore,
} from "@kiwi/threads";
import pg from "pg";
import { PostgresThreadStore } from "../postgres-thread-store";
import { parseStoreUrl, scrub } from "../store-url";
import { type ThreadStepContext, ThreadSteps } from "./thread-steps";

/** The DBOS application every Kiwi worker joins. */
export const ENGINE_APPLICATION = "kiwi";
/** The queue threads wait in until a worker takes them. */
export const THREAD_QUEUE = "kiwi-threads";
/** The one DBOS workflow: a managed thread (workflow id = thread id). */
export const THREAD_WORKFLOW = "kiwi.thread";
/**
 * DBOS's application version, pinned to the journal format (not to Kiwi's package version): recovery and
 * dequeue only pick workflows of the running version, so a Kiwi upgrade with the same journal format keeps
 * running threads, and a new format leaves old threads to workers that read theirs.
 */
export const ENGINE_APPLICATION_VERSION = `kiwi-journal-v${JOURNAL_FORMAT_VERSION}`;

/** A thread's program: what runs inside its workflow, through journaled steps. */
export type ThreadBody = (context: ThreadStepContext, input: unknown) => Promise<unknown>;

/**
 * What a body may return to say how its thread ended (a thread that ran and ended `error` or `killed`
 * without throwing); any other value ends the thread `completed` / `end_turn`.
 */
export interface ThreadBodyEnd {
  readonly thread_status: ThreadStatus;
  readonly thread_reason?: string | null;
}

/** A request to queue a thread, from a worker or from a process that runs none (`enqueueThread`). */
export interface SubmitThreadRequest {
  readonly threadId: string;
  readonly directive: string;
  /** The thread body's name (`defineThreadBody`) on the workers. */
  readonly body: string;
  readonly input?: unknown;
  readonly parentId?: string;
  /** Recorded with the thread's row (what it runs on, who asked). */
  readonly permissionContext?: Record<string, unknown>;
}

export interface DbosThreadEngineOptions {
  /** The store URL (`postgres://…`); DBOS's tables go in the same database. Never logged. */
  readonly url: string;
  /** The thread store's schema (default `kiwi`). */
  readonly schema?: string;
  /** DBOS's schema (default `dbos`). */
  readonly engineSchema?: string;
  /** This worker's name: its DBOS executor id and its lease owner. Unique per worker process. */
  readonly executorId: string;
  /** Threads this worker runs at once (the queue's worker concurrency; default 8). */
  readonly concurrency?: number;
  /** How long a worker's lease on a thread holds without renewal (default DEFAULT_LEASE_MS). */
  readonly leaseMs?: number;
  /** Told DBOS's warnings and errors, scrubbed of the store's credentials (default: dropped). */
  readonly log?: (level: "warn" | "error", text: string) => void;
}

interface ThreadWorkflowInput {
  readonly body: string;
  readonly input: unknown;
}

/** Thread bodies by name, looked up when a workflow runs (the same name on every worker). */
const bodies = new Map<string, ThreadBody>();

/** Names a thread body; a worker can run threads of the bodies it has defined. */
export function defineThreadBody(name: string, body: ThreadBody): void {
  if (typeof name !== "string" || name.length === 0 || typeof body !== "function") {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "a thread body is a name and a function",
      context: {},
    });
  }
  bodies.set(name, body);
}

// Registered once, when this module loads: DBOS refuses registrations after launch, and its registry is
// global to the process. Every engine of the process runs this one workflow.
const threadWorkflow = DBOS.registerWorkflow(
  async (input: ThreadWorkflowInput): Promise<unknown> => {
    const engine = attached?.engine;
    const threadId = DBOS.workflowID;
    if (!engine || !threadId) throw new Error("no Kiwi thread engine is running in this process");
    return engine.runThread(threadId, input);
  },
  { name: THREAD_WORKFLOW },
);

/** The process's engine: DBOS is one engine per process, so every caller shares it (reference counted). */
let attached: { key: string; engine: DbosThreadEngine; refs: number } | undefined;
let starting: Promise<DbosThreadEngine> | undefined;

/**
 * Managed threads as DBOS workflows on the PostgreSQL thread store (issue 12's mapping): a thread is a
 * workflow whose id is the thread id, each journal step a DBOS step, the queue `kiwi-threads` shared by
 * every worker. The worker holds a fenced lease on each thread it runs (renewed while it runs), so a
 * worker declared dead that is still running cannot record a second result.
 *
 * DBOS's API is static and global (one configuration, one system database and executor per process), so
 * this is a process-wide engine: `start` with the same settings returns it again (each `start` needs a
 * `stop`); other settings in the same process are THREAD_ENGINE_CONFLICT.
 */
export class DbosThreadEngine {
  readonly store: PostgresThreadStore;
  readonly executorId: string;
  readonly #pool: pg.Pool;
  readonly #leaseMs: number;
  readonly #engineSchema: string;
  /** The threads running in this process: their leases, and the signal that stops their bodies. */
  readonly #running = new Map<string, { lease: ThreadLease; lost: AbortController }>();
  /** Queues registered threads from inside running ones (`enqueue`), outside their workflows. */
  #client: Promise<DBOSClient> | undefined;

  private constructor(store: PostgresThreadStore, pool: pg.Pool, options: DbosThreadEngineOptions) {
    this.store = store;
    this.#pool = pool;
    this.executorId = options.executorId;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#engineSchema = options.engineSchema ?? "dbos";
  }

  static async start(options: DbosThreadEngineOptions): Promise<DbosThreadEngine> {
    const { location, secrets } = parseStoreUrl(options?.url);
    if (typeof options.executorId !== "string" || !/^[A-Za-z0-9_.-]{1,100}$/.test(options.executorId)) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "executorId must be 1–100 characters of [A-Za-z0-9_.-]: this worker's name",
        context: { executorId: options.executorId },
      });
    }
    const key = JSON.stringify([
      location,
      options.schema ?? "kiwi",
      options.engineSchema ?? "dbos",
      options.executorId,
    ]);
    while (starting) await starting.catch(() => undefined);
    if (attached) {
      if (attached.key !== key) {
        throw new KiwiError({
          code: "THREAD_ENGINE_CONFLICT",
          message: `this process already runs a thread engine (worker ${JSON.stringify(attached.engine.executorId)} on ${attached.engine.store.location}): DBOS is one engine per process, so run another worker or store in another process`,
          context: { running: attached.engine.executorId, asked: options.executorId },
        });
      }
      attached.refs += 1;
      return attached.engine;
    }
    starting = DbosThreadEngine.#launch(options, key, location, secrets);
    try {
      return await starting;
    } finally {
      starting = undefined;
    }
  }

  static async #launch(
    options: DbosThreadEngineOptions,
    key: string,
    location: string,
    secrets: readonly string[],
  ): Promise<DbosThreadEngine> {
    const concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "concurrency must be 1 or more",
        context: { concurrency },
      });
    }
    const store = await PostgresThreadStore.open({
      url: options.url,
      ...(options.schema ? { schema: options.schema } : {}),
    });
    // DBOS gets a pool, never the URL: it would log it and build messages with it.
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 10,
      application_name: "kiwi-thread-engine",
    });
    const say = (level: "warn" | "error", entry: unknown) =>
      options.log?.(level, scrub(entry instanceof Error ? entry.message : String(entry), secrets));
    pool.on("error", (err) => say("error", err));
    try {
      DBOS.setConfig({
        name: ENGINE_APPLICATION,
        applicationVersion: ENGINE_APPLICATION_VERSION,
        executorID: options.executorId,
        systemDatabasePool: pool,
        systemDatabaseSchemaName: options.engineSchema ?? "dbos",
        logger: {
          info: () => undefined,
          debug: () => undefined,
          warn: (entry) => say("warn", entry),
          error: (entry) => say("error", entry),
        },
      });
      // Before launch: the dispatcher picks internal queues up when it starts. Registered once per process
      // (a second call returns the first queue), so the value is set on it every launch.
      registerInternalQueue(THREAD_QUEUE, { workerConcurrency: concurrency }).workerConcurrency = concurrency;
      // Workers starting at once on a fresh database would run DBOS's migrations together (PostgreSQL
      // reports a deadlock): they take turns under an advisory lock. Tried, never waited for inside a
      // query: DBOS's CREATE INDEX CONCURRENTLY waits for every running query, a blocked lock call too.
      const lock = await pool.connect();
      try {
        while (
          !(await lock.query("SELECT pg_try_advisory_lock(hashtext('kiwi.dbos.launch')) AS ok")).rows[0]?.ok
        )
          await new Promise((resolve) => setTimeout(resolve, 200));
        await DBOS.launch();
      } finally {
        await lock.query("SELECT pg_advisory_unlock(hashtext('kiwi.dbos.launch'))").catch(() => undefined);
        lock.release();
      }
    } catch (err) {
      await DBOS.shutdown().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await store.close();
      throw new KiwiError({
        code: "REGISTRY_UNAVAILABLE",
        message: `the thread engine could not start on ${location}: ${scrub(err instanceof Error ? err.message : String(err), secrets)}`,
        context: { location },
      });
    }
    const engine = new DbosThreadEngine(store, pool, options);
    attached = { key, engine, refs: 1 };
    return engine;
  }

  /**
   * Registers a thread and queues it: any worker of the queue takes it. Submitting an id twice starts
   * nothing new (THREAD_ID_COLLISION from the store).
   */
  async submit(request: SubmitThreadRequest): Promise<ThreadRow> {
    const row = await this.store.register(registration(request));
    await DBOS.startWorkflow(threadWorkflow, { workflowID: request.threadId, queueName: THREAD_QUEUE })({
      body: request.body,
      input: request.input ?? null,
    });
    return row;
  }

  /**
   * Queues a thread whose row is already registered (`spawning`) — a child a thread running here spawned
   * — so any worker of the queue takes it (workflow id = thread id). Enqueued through a client, never as
   * a DBOS child workflow of the running thread: a thread's workflow is not replayed step by step (Kiwi's
   * journal is), so a child workflow's recorded call would answer a later spawn of a resumed parent.
   *
   * At most once per thread id: true when it was queued now; false when the thread's workflow exists
   * already (queued, running or ended) — nothing is queued again and its recorded input stands. So a
   * resumed parent may queue a child its dead worker registered without knowing whether that worker got
   * as far as queueing it, and two such callers at once queue it once (one insert, decided by PostgreSQL).
   */
  async enqueue(request: {
    readonly threadId: string;
    readonly body: string;
    readonly input?: unknown;
  }): Promise<boolean> {
    if (!attached || attached.engine !== this) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `thread ${request.threadId} cannot be queued: this worker's engine has stopped`,
        context: { thread_id: request.threadId },
      });
    }
    this.#client ??= engineClient(this.#pool, this.#engineSchema);
    return enqueueThread(await this.#client, request);
  }

  /** Waits for a thread's workflow to end; its row. */
  async wait(threadId: string, options: { timeoutMs?: number } = {}): Promise<ThreadRow> {
    await DBOS.getResult(threadId, { timeoutSeconds: (options.timeoutMs ?? 60_000) / 1000 }).catch(
      () => undefined,
    );
    const row = await this.store.get(threadId);
    if (!row) throw new KiwiError({ code: "ITEM_NOT_FOUND", message: `no thread ${threadId}`, context: {} });
    return row;
  }

  /** Kills a thread from any host: DBOS cancels its workflow (and its children's); the running step's signal fires. */
  async kill(threadId: string): Promise<void> {
    await DBOS.cancelWorkflow(threadId, { cancelChildren: true });
  }

  /**
   * Takes over the threads of dead workers: every thread workflow still pending on another executor whose
   * lease has expired (or that never got one) is handed back to the queue with `resumeWorkflow`, which also
   * gives it a new DBOS ownership token, fencing the old execution out. Their ids.
   */
  async takeOver(): Promise<string[]> {
    const pending = await DBOS.listWorkflows({
      workflowName: THREAD_WORKFLOW,
      status: "PENDING",
      applicationVersion: ENGINE_APPLICATION_VERSION,
    });
    const taken: string[] = [];
    for (const wf of pending) {
      if (wf.executorId === this.executorId) continue;
      const lease = await this.store.lease(wf.workflowID);
      if (lease && Date.parse(lease.expires_at) > Date.now()) continue;
      // No lease: a worker between dequeue and acquisition, or one that just ended the thread (its lease
      // released before DBOS records the end) — alive both; dead only when nothing moved for two leases.
      const since = wf.dequeuedAt ?? wf.updatedAt ?? wf.createdAt;
      if (!lease && Date.now() - since < 2 * this.#leaseMs) continue;
      await DBOS.resumeWorkflow(wf.workflowID, { queueName: THREAD_QUEUE });
      taken.push(wf.workflowID);
    }
    return taken;
  }

  /**
   * Stops this reference; the last one shuts DBOS down: no more threads are taken, running ones get
   * `graceMs` to finish, and those still running then are handed back — their bodies' signals abort and
   * their leases expire at once, so another worker's `takeOver` resumes them at its next check (from their journal)
   * instead of after a lease.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (!attached || attached.engine !== this) return;
    attached.refs -= 1;
    if (attached.refs > 0) return;
    attached = undefined;
    await DBOS.shutdown({ workflowCompletionTimeoutMS: options.graceMs ?? 0 });
    await this.handBack();
    const client = this.#client;
    this.#client = undefined;
    await client?.then((c) => c.destroy()).catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
    await this.store.close();
  }

  /** Hands the threads still running here back: their bodies abort and their leases expire now, so another worker's takeOver resumes them at its next check. */
  async handBack(): Promise<void> {
    for (const [threadId, { lease, lost }] of [...this.#running]) {
      this.#running.delete(threadId);
      // The lease's token moves on BEFORE the body stops: whatever this worker still writes for the thread
      // (the outcome of the step its abort cut short, its end) is refused LEASE_LOST. Under the same token
      // that outcome was recorded, and the worker taking the thread over replayed the abort as the step's
      // result (the thread ended error/ABORTED instead of finishing).
      await this.#retire(lease);
      lost.abort(
        new KiwiError({
          code: "LEASE_LOST",
          message: `worker ${this.executorId} stopped: thread ${threadId} is handed back to the queue`,
          context: { thread_id: threadId },
        }),
      );
    }
  }

  /**
   * Expires a lease now (rather than releasing it: another worker's takeOver resumes the thread at its next
   * check) and fences it off: a placeholder lease, itself expired at once, takes the next token. Another
   * worker taking the thread first moves the token on just as well.
   */
  async #retire(lease: ThreadLease): Promise<void> {
    await Promise.resolve(this.store.renewLease(lease, { ttlMs: 1 })).catch(() => undefined);
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      try {
        const placeholder = await this.store.acquireLease(lease.thread_id, {
          owner: `${this.executorId}.handed-back`,
          ttlMs: 1,
        });
        if (placeholder.token > lease.token) return;
      } catch (error) {
        // The thread ended, or the store is unreachable: nothing more to do here.
        if (!(KiwiError.isInstance(error) && error.code === "THREAD_OWNED")) return;
        // Taken by another worker already (a newer token), else this lease is not expired yet: again.
        const current = await Promise.resolve(this.store.lease(lease.thread_id)).catch(() => undefined);
        if (!current || current.token > lease.token) return;
      }
    }
  }

  /**
   * Kills a thread from a process that runs no workflows (`kiwi threads kill|terminate` on a thread still
   * waiting in the queue): DBOS cancels its workflow (a worker that took it meanwhile sees its step's
   * signal fire) and the row ends `killed`. THREAD_FINISHED when it already ended.
   */
  static async cancelThread(
    store: ThreadStore,
    request: {
      readonly url: string;
      readonly threadId: string;
      /** Recorded as the row's reason (default `killed`). */
      readonly reason?: string;
      readonly engineSchema?: string;
    },
  ): Promise<ThreadRow> {
    const { location, secrets } = parseStoreUrl(request.url);
    const pool = new pg.Pool({ connectionString: request.url, max: 2, application_name: "kiwi-control" });
    pool.on("error", () => undefined);
    const client = await engineClient(pool, request.engineSchema ?? "dbos");
    try {
      await client.cancelWorkflow(request.threadId, { cancelChildren: true });
    } catch (err) {
      throw new KiwiError({
        code: "REGISTRY_UNAVAILABLE",
        message: `thread ${request.threadId} could not be cancelled on ${location}: ${scrub(err instanceof Error ? err.message : String(err), secrets)}`,
        context: { location, thread_id: request.threadId },
      });
    } finally {
      await client.destroy().catch(() => undefined);
      await pool.end().catch(() => undefined);
    }
    return store.updateStatus(request.threadId, "killed", { reason: request.reason ?? "killed" });
  }

  /**
   * Queues a thread from a process that runs no workflows (`kiwi thread run --detach`): registers its
   * row (`spawning`) and enqueues its workflow through a `DBOSClient` (workflow id = thread id); any
   * worker of the queue takes it. THREAD_ID_COLLISION when the id is taken. The store is the caller's.
   */
  static async enqueueThread(
    store: ThreadStore,
    request: SubmitThreadRequest & { readonly url: string; readonly engineSchema?: string },
  ): Promise<ThreadRow> {
    const { location, secrets } = parseStoreUrl(request.url);
    const engineSchema = request.engineSchema ?? "dbos";
    const pool = new pg.Pool({ connectionString: request.url, max: 2, application_name: "kiwi-submit" });
    pool.on("error", () => undefined);
    let client: DBOSClient | undefined;
    let registered = false;
    try {
      // DBOS's tables are created when the first worker launches (migrating from here would hand DBOS
      // the URL, which it logs): before any worker, nothing is registered and the submitter is told.
      const { rows } = await pool.query("SELECT to_regclass($1) IS NOT NULL AS ready", [
        `"${engineSchema.replaceAll('"', '""')}".workflow_status`,
      ]);
      if (!rows[0]?.ready) {
        throw new KiwiError({
          code: "THREAD_ENGINE_NOT_READY",
          message: `no kiwi worker has started on ${location} yet (the first one creates the queue's tables): start one with kiwi worker --store …, then submit again`,
          context: { location },
        });
      }
      const row = await store.register(registration(request));
      registered = true;
      client = await engineClient(pool, request.engineSchema ?? "dbos");
      await enqueueThread(client, request);
      return row;
    } catch (err) {
      if (KiwiError.isInstance(err)) throw err;
      // Registered but not queued: say so on the thread, so nobody waits for it.
      if (registered)
        await Promise.resolve(
          store.updateStatus(request.threadId, "error", { reason: "REGISTRY_UNAVAILABLE" }),
        ).catch(() => undefined);
      throw new KiwiError({
        code: "REGISTRY_UNAVAILABLE",
        message: `thread ${request.threadId} could not be queued on ${location}: ${scrub(err instanceof Error ? err.message : String(err), secrets)}`,
        context: { location, thread_id: request.threadId },
      });
    } finally {
      await client?.destroy().catch(() => undefined);
      await pool.end().catch(() => undefined);
    }
  }

  /** The threads this worker runs now (their ids). */
  running(): string[] {
    return [...this.#running.keys()];
  }

  /** Inside the workflow: one execution of a thread on this worker (called by the registered workflow). */
  async runThread(threadId: string, input: ThreadWorkflowInput): Promise<unknown> {
    const body = bodies.get(input.body);
    if (!body)
      throw new Error(`no thread body ${JSON.stringify(input.body)} is defined on worker ${this.executorId}`);
    const lease = await this.#acquire(threadId);
    const fence = { token: lease.token };
    const lost = new AbortController();
    this.#running.set(threadId, { lease, lost });
    const renew = setInterval(
      () => {
        void Promise.resolve(this.store.renewLease(lease, { ttlMs: this.#leaseMs })).catch((err) =>
          lost.abort(err),
        );
      },
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    try {
      await this.store.updateStatus(threadId, "running", { fence });
      const steps = new ThreadSteps({
        store: this.store,
        threadId,
        owner: this.executorId,
        lease,
        fence,
        recorded: await this.store.steps(threadId),
        signal: lost.signal,
      });
      try {
        const result = await body(steps, input.input);
        const end = bodyEnd(result);
        await this.store.updateStatus(threadId, end.status, { reason: end.reason ?? undefined, fence });
        return result;
      } catch (err) {
        await this.#ended(threadId, err, fence);
        throw err;
      }
    } finally {
      clearInterval(renew);
      // Handed back by stop: its lease was made to expire (takeOver's signal), not released.
      const handedBack = !this.#running.has(threadId);
      this.#running.delete(threadId);
      if (!handedBack) await Promise.resolve(this.store.releaseLease(lease)).catch(() => undefined);
    }
  }

  /** Records how a failed execution ended: parked for a person, killed, or an error (never over a newer owner). */
  async #ended(threadId: string, err: unknown, fence: { token: number }): Promise<void> {
    const code = (err as { code?: unknown })?.code;
    if (code === "LEASE_LOST") return; // another worker runs it now: this one writes nothing more
    try {
      if (code === "NEEDS_RECONCILIATION") {
        // Parked already by the body (a resume in place records the call it found and parks the thread):
        // one `needs_reconciliation` event, not a second.
        const row = await this.store.get(threadId);
        if (!(row?.status === "paused" && row.reason === "needs_reconciliation")) {
          await this.store.appendEvent(threadId, "needs_reconciliation", {
            ...((err as KiwiError).context ?? {}),
          });
          await this.store.park(threadId, "needs_reconciliation");
        }
        // Parked for hours: leave no pending workflow holding a worker slot. resumeWorkflow continues it.
        await DBOS.cancelWorkflow(threadId);
        return;
      }
      const cancelled = [24, 27].includes(Number((err as { dbosErrorCode?: unknown })?.dbosErrorCode));
      const status =
        cancelled || (await DBOS.getWorkflowStatus(threadId))?.status === "CANCELLED" ? "killed" : "error";
      await this.store.updateStatus(threadId, status, {
        reason: typeof code === "string" ? code : status,
        fence,
      });
    } catch {
      // The store or the lease is gone: the next owner records the end.
    }
  }

  /** Takes the thread's lease, waiting (up to two leases) for a dead owner's to expire. */
  async #acquire(threadId: string): Promise<ThreadLease> {
    const deadline = Date.now() + 2 * this.#leaseMs;
    for (;;) {
      try {
        return await this.store.acquireLease(threadId, { owner: this.executorId, ttlMs: this.#leaseMs });
      } catch (err) {
        if ((err as { code?: unknown }).code !== "THREAD_OWNED" || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, this.#leaseMs / 4)));
      }
    }
  }
}

/** The registry row of a submitted thread: `spawning`, no process, until a worker takes it. */
/** A DBOS client on the engine's tables through `pool`, silent (DBOS's logger would print what it holds). */
function engineClient(pool: pg.Pool, schema: string): Promise<DBOSClient> {
  return DBOSClient.create({
    // DBOS wants a URL even with a pool: a placeholder, never the store's (it would log it).
    systemDatabaseUrl: "postgres://kiwi-store/placeholder",
    systemDatabasePool: pool,
    systemDatabaseSchemaName: schema,
    applicationName: ENGINE_APPLICATION,
    logger: {
      info: () => undefined,
      debug: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });
}

/** DBOS's error code for a workflow id in use (`workflowIDReusePolicy: "reject"`), replayed forms included. */
const WORKFLOW_ID_IN_USE = 36;

/**
 * Queues a registered thread's workflow (workflow id = thread id) for any worker of the thread queue:
 * true; false when a workflow of that id exists already (DBOS's insert finds it and rolls back, its
 * status and input untouched), so a thread is never queued twice.
 */
async function enqueueThread(
  client: DBOSClient,
  request: { readonly threadId: string; readonly body: string; readonly input?: unknown },
): Promise<boolean> {
  try {
    await client.enqueue(
      {
        workflowName: THREAD_WORKFLOW,
        queueName: THREAD_QUEUE,
        workflowID: request.threadId,
        appVersion: ENGINE_APPLICATION_VERSION,
        workflowIDReusePolicy: "reject",
      },
      { body: request.body, input: request.input ?? null } satisfies ThreadWorkflowInput,
    );
    return true;
  } catch (err) {
    if ((err as { dbosErrorCode?: unknown })?.dbosErrorCode === WORKFLOW_ID_IN_USE) return false;
    throw err;
  }
}

function registration(request: SubmitThreadRequest) {
  return {
    threadId: request.threadId,
    directive: request.directive,
    status: "spawning" as const,
    pid: null,
    ...(request.parentId ? { parentId: request.parentId } : {}),
    ...(request.permissionContext ? { permissionContext: request.permissionContext } : {}),
  };
}

/** How a body's result ends its thread: what it says (`ThreadBodyEnd`), else completed / end_turn. */
function bodyEnd(result: unknown): { status: ThreadStatus; reason: string | null } {
  const end = result as Partial<ThreadBodyEnd> | null;
  if (
    end &&
    typeof end === "object" &&
    typeof end.thread_status === "string" &&
    isTerminal(end.thread_status)
  )
    return { status: end.thread_status, reason: end.thread_reason ?? null };
  return { status: "completed", reason: "end_turn" };
}
