import { DBOS } from "@dbos-inc/dbos-sdk";
import { KiwiError } from "@kiwi/spec";
import { DEFAULT_LEASE_MS, JOURNAL_FORMAT_VERSION, type ThreadLease, type ThreadRow } from "@kiwi/threads";
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

  private constructor(store: PostgresThreadStore, pool: pg.Pool, options: DbosThreadEngineOptions) {
    this.store = store;
    this.#pool = pool;
    this.executorId = options.executorId;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
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
      await DBOS.launch();
      await DBOS.registerQueue(THREAD_QUEUE, { workerConcurrency: concurrency, onConflict: "always_update" });
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
  async submit(request: {
    threadId: string;
    directive: string;
    body: string;
    input?: unknown;
    parentId?: string;
  }): Promise<ThreadRow> {
    const row = await this.store.register({
      threadId: request.threadId,
      directive: request.directive,
      status: "spawning",
      pid: null,
      ...(request.parentId ? { parentId: request.parentId } : {}),
    });
    await DBOS.startWorkflow(threadWorkflow, { workflowID: request.threadId, queueName: THREAD_QUEUE })({
      body: request.body,
      input: request.input ?? null,
    });
    return row;
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
      await DBOS.resumeWorkflow(wf.workflowID, { queueName: THREAD_QUEUE });
      taken.push(wf.workflowID);
    }
    return taken;
  }

  /** Stops this reference; the last one shuts DBOS down (`graceMs` for running threads to finish). */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (!attached || attached.engine !== this) return;
    attached.refs -= 1;
    if (attached.refs > 0) return;
    attached = undefined;
    await DBOS.shutdown({ workflowCompletionTimeoutMS: options.graceMs ?? 0 });
    await this.#pool.end().catch(() => undefined);
    await this.store.close();
  }

  /** Inside the workflow: one execution of a thread on this worker (called by the registered workflow). */
  async runThread(threadId: string, input: ThreadWorkflowInput): Promise<unknown> {
    const body = bodies.get(input.body);
    if (!body)
      throw new Error(`no thread body ${JSON.stringify(input.body)} is defined on worker ${this.executorId}`);
    const lease = await this.#acquire(threadId);
    const fence = { token: lease.token };
    const lost = new AbortController();
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
        fence,
        recorded: await this.store.steps(threadId),
        signal: lost.signal,
      });
      try {
        const result = await body(steps, input.input);
        await this.store.updateStatus(threadId, "completed", { reason: "end_turn", fence });
        return result;
      } catch (err) {
        await this.#ended(threadId, err, fence);
        throw err;
      }
    } finally {
      clearInterval(renew);
      await Promise.resolve(this.store.releaseLease(lease)).catch(() => undefined);
    }
  }

  /** Records how a failed execution ended: parked for a person, killed, or an error (never over a newer owner). */
  async #ended(threadId: string, err: unknown, fence: { token: number }): Promise<void> {
    const code = (err as { code?: unknown })?.code;
    if (code === "LEASE_LOST") return; // another worker runs it now: this one writes nothing more
    try {
      if (code === "NEEDS_RECONCILIATION") {
        await this.store.appendEvent(threadId, "needs_reconciliation", {
          ...((err as KiwiError).context ?? {}),
        });
        await this.store.park(threadId, "needs_reconciliation");
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
