import { mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { refuseRenamedOptions } from "../renamed-options";
import { checkFence, controlOutcomeJson, stepNotOpen } from "../store/store-rules";
import type {
  AcquireLeaseOptions,
  ControlOutcome,
  ControlRecord,
  Fence,
  StepIntentRow,
  ThreadLease,
  ThreadStore,
} from "../store/thread-store";
import { validateThreadId } from "../thread-id";
import { EventQueue, isBusy, type QueuedEvent, sleepSync } from "./event-queue";
import { COMPANIONS, privateRegistryFile } from "./private-registry-file";
import {
  type Checkpoint,
  invalid,
  isRecord,
  type RawEvent,
  type RawThreadRow,
  recordJson,
  type ThreadEvent,
  type ThreadRow,
  toJson,
  toThreadEvent,
  toThreadRow,
} from "./rows";
import { migrate } from "./schema";
import { openSqlite } from "./sqlite/open-sqlite";
import { type SqliteDatabase, transaction } from "./sqlite/sqlite-database";
import { SqliteLeases } from "./sqlite-leases";
import { ACTIVE_STATUSES, isTerminal, isThreadStatus, THREAD_STATUSES, type ThreadStatus } from "./statuses";

export type { Checkpoint, ThreadEvent, ThreadRow } from "./rows";

export interface ThreadRegistryOptions {
  /** How long a write waits for another process's lock before SQLITE_BUSY (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Queued events that trigger a write at once rather than at the next setImmediate (default 256). */
  readonly batchSize?: number;
  /** The clock for timestamps (default: the system clock). */
  readonly now?: () => Date;
  /**
   * Told when a background event write fails for good (after busy retries). The events stay queued and
   * are written by the next append, flush() or close(). Default: a process warning.
   */
  readonly onError?: (err: unknown) => void;
}

/** A thread to register; stored as the `threads` row's columns (`thread_id`, `parent_id`, …). */
export interface RegisterThreadInput {
  readonly threadId: string;
  readonly directive: string;
  readonly parentId?: string | null;
  /** Default "spawning". */
  readonly status?: ThreadStatus;
  /** Who spawned it with which grants; stored as written. */
  readonly permissionContext?: Record<string, unknown> | null;
  /** The thread's budget; stored as written (its keys are the directive's `<cost>` names). */
  readonly budget?: Record<string, unknown> | null;
  /** The transcript, relative to the project root. */
  readonly transcriptPath?: string | null;
  /** The owner process; default this process. */
  readonly pid?: number | null;
}

export interface UpdateStatusOptions {
  /** Why the thread is in the new status (cleared when omitted). */
  readonly reason?: string;
  /** Replaces the recorded usage. */
  readonly usage?: Record<string, unknown>;
}

export interface ThreadQuery {
  readonly status?: ThreadStatus | readonly ThreadStatus[];
  readonly directive?: string;
  /** A parent's id, or null for top-level threads. */
  readonly parentId?: string | null;
  /** 1–1000, default 100. */
  readonly limit?: number;
  /** Only threads created at or after this ISO-8601 time. */
  readonly since?: string;
}

export interface EventQuery {
  /** Only events with a larger seq (default 0: from the first). */
  readonly afterSeq?: number;
  /** At most this many events (default: all). */
  readonly limit?: number;
  /** Only events of these types. */
  readonly types?: readonly string[];
}

export interface CheckpointInput {
  readonly turn: number;
  /** Any JSON value: what the run needs to resume. */
  readonly state: unknown;
}

/** Tells whether a process id is alive. */
export type IsAlive = (pid: number) => boolean;

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
export const DEFAULT_BATCH_SIZE = 256;
export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;
/**
 * WAL pages before a checkpoint (SQLite's default is 1000). Interleaved threads dirty one leaf page per
 * thread per commit, so the WAL fills fast; checkpointing every ~16 MiB instead of ~4 MiB costs fewer
 * copies and syncs.
 */
const WAL_AUTOCHECKPOINT_PAGES = 4000;

/** `process.kill(pid, 0)`: alive when it succeeds or fails with EPERM (alive, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** This host's boot id (`/proc/sys/kernel/random/boot_id`), or null where there is none. */
export const BOOT_ID: string | null = (() => {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return id.length > 0 ? id : null;
  } catch {
    return null;
  }
})();

/** How long a heartbeat counts when the owner cannot be checked on this host (another boot, another host). */
export const DEFAULT_LEASE_MS = 30_000;
/** How often a process running threads renews its lease. */
export const HEARTBEAT_MS = 5_000;

/** The owner lease of a thread: its process, that process's boot id, its last heartbeat. */
export interface ThreadOwner {
  readonly pid: number | null;
  readonly owner_boot_id: string | null;
  readonly heartbeat_at: string | null;
}

/** One step of a thread's journal as stored (`thread_steps`); JSON columns unparsed. */
export interface RawJournalStep {
  readonly thread_id: string;
  readonly seq: number;
  readonly format: number;
  readonly kind: string;
  readonly request: string;
  readonly request_hash: string;
  readonly outcome: string | null;
  readonly started_at: string;
  readonly ended_at: string | null;
}

const REGISTER_RENAMES = {
  thread_id: "threadId",
  parent_id: "parentId",
  permission_context: "permissionContext",
  transcript_path: "transcriptPath",
};

const ACTIVE_LIST = ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ");
const THREAD_COLUMNS =
  "thread_id, directive, parent_id, status, reason, pid, created_at, updated_at, finished_at, permission_context, budget, usage, transcript_path";

/**
 * Refuses a registry whose database or side file is not a regular file. SQLite would open a FIFO there
 * and wait on it for ever (a frozen `kiwi thread run`), or read a device: each is PATH_SPECIAL_FILE before
 * SQLite sees it.
 */
function refuseSpecialFiles(file: string): void {
  for (const suffix of COMPANIONS) {
    const path = `${file}${suffix}`;
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info || info.isFile() || info.isDirectory()) continue; // a folder fails SQLite's own open
    throw new KiwiError({
      code: "PATH_SPECIAL_FILE",
      message: `the thread registry ${JSON.stringify(path)} is a FIFO, socket or device, not a database file: remove it (Kiwi creates the registry when it is missing)`,
      context: { file: path, reason: "special_file" },
    });
  }
}

/**
 * The SQLite thread registry: one file shared by every process of a project (WAL, busy timeout), holding
 * threads, their append-only event logs and checkpoints.
 *
 * Events are group-committed: appendEvent returns the seq at once and the row is written with others in
 * one transaction at the next setImmediate (or when batchSize rows wait). Reads flush first. Call close()
 * before the process ends: events still queued at exit are lost.
 *
 * A thread's events are appended by one process, its owner (seqs are counted in memory, seeded from the
 * database on first use); others write to it only once the owner is gone (markOrphans).
 */
export class ThreadRegistry implements ThreadStore {
  readonly #db: SqliteDatabase;
  readonly #leases: SqliteLeases;
  readonly #now: () => Date;
  readonly #queue: EventQueue;
  readonly #seqs = new Map<string, number>();
  /** Usage recorded with queueUsage and not yet written (thread id → JSON text and time). */
  readonly #usage = new Map<string, { usage: string; updated_at: string }>();
  readonly #stmts: ReturnType<typeof prepare>;
  #closed = false;

  private constructor(
    db: SqliteDatabase,
    readonly file: string,
    /** The schema version of the open database (REGISTRY_SCHEMA_VERSION once migrated). */
    readonly schemaVersion: number,
    options: ThreadRegistryOptions,
  ) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#stmts = prepare(db);
    this.#leases = new SqliteLeases(db, this.#now);
    const insertEvents = transaction(db, (rows: readonly QueuedEvent[]) => {
      for (const row of rows) this.#stmts.insertEvent.run(row);
      for (const [thread_id, u] of this.#usage) this.#stmts.setUsage.run({ thread_id, ...u });
    });
    const onError = options.onError ?? ((err: unknown) => process.emitWarning(err as Error));
    this.#queue = new EventQueue({
      batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
      write: (rows) => {
        insertEvents.immediate(rows);
        // Committed with the rows: nothing changes the map while the synchronous write runs.
        this.#usage.clear();
      },
      onError: (err) => onError(this.#writeFailed(err)),
      pending: () => this.#usage.size > 0,
    });
  }

  /**
   * Opens (creating when missing) the registry at `file`: the folder is made private (0700), the file
   * and SQLite's companions too (0600: the rows hold what threads said), the database put in WAL mode and migrated to REGISTRY_SCHEMA_VERSION. Throws REGISTRY_UNAVAILABLE when
   * the file cannot be opened or is not a database, REGISTRY_VERSION when a newer Kiwi wrote it.
   */
  static open(file: string, options: ThreadRegistryOptions = {}): ThreadRegistry {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw invalid("busyTimeoutMs must be a whole number of milliseconds, 0 or more", { busyTimeoutMs });
    }
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw invalid("batchSize must be a whole number, 1 or more", { batchSize });
    }
    let db: SqliteDatabase | undefined;
    try {
      if (file !== ":memory:") {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        refuseSpecialFiles(file);
        privateRegistryFile(file);
      }
      db = openSqlite(file, { busyTimeoutMs });
      const version = setUp(db, file, busyTimeoutMs);
      return new ThreadRegistry(db, file, version, { ...options, batchSize });
    } catch (err) {
      db?.close();
      if (KiwiError.isInstance(err)) throw err;
      throw unavailable(file, err, "opening it");
    }
  }

  /** The registry file (ThreadStore's `location`). */
  get location(): string {
    return this.file;
  }

  /** Adds a thread; THREAD_ID_COLLISION when the id is taken. */
  register(input: RegisterThreadInput): ThreadRow {
    this.#assertOpen();
    refuseRenamedOptions(input, REGISTER_RENAMES, "ThreadRegistry.register");
    const thread_id = validateThreadId(input.threadId);
    if (typeof input.directive !== "string" || input.directive.length === 0) {
      throw invalid("directive must be a non-empty string: the directive the thread runs", { thread_id });
    }
    const status = input.status ?? "spawning";
    assertStatus(status);
    const pid = input.pid === undefined ? process.pid : input.pid;
    if (pid !== null && (!Number.isInteger(pid) || pid <= 0)) {
      throw invalid("pid must be a positive process id (or null when no process owns the thread)", { pid });
    }
    if (input.transcriptPath != null && typeof input.transcriptPath !== "string") {
      throw invalid("transcriptPath must be a string path (or omitted)", { thread_id });
    }
    const now = this.#timestamp();
    const raw: RawThreadRow = {
      thread_id,
      directive: input.directive,
      parent_id: input.parentId == null ? null : validateThreadId(input.parentId),
      status,
      reason: null,
      pid,
      created_at: now,
      updated_at: now,
      finished_at: isTerminal(status) ? now : null,
      permission_context: recordJson("permissionContext", input.permissionContext),
      budget: recordJson("budget", input.budget),
      usage: null,
      transcript_path: input.transcriptPath ?? null,
    };
    try {
      this.#stmts.insertThread.run({
        ...raw,
        owner_boot_id: pid === process.pid ? BOOT_ID : null,
        heartbeat_at: pid === null ? null : now,
      });
    } catch (err) {
      if ((err as { code?: unknown }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new KiwiError({
          code: "THREAD_ID_COLLISION",
          message: `a thread with id ${JSON.stringify(thread_id)} is already registered: leave the id out and let kiwi_harness generate one, or choose another`,
          context: { thread_id },
        });
      }
      throw this.#failed(err, "registering a thread");
    }
    this.#seqs.set(thread_id, 0);
    return toThreadRow(raw);
  }

  get(threadId: string): ThreadRow | undefined {
    this.#assertOpen();
    this.#writeUsage();
    const raw = this.#guard("reading a thread", () => this.#stmts.selectThread.get(threadId)) as
      | RawThreadRow
      | undefined;
    return raw && toThreadRow(raw);
  }

  /**
   * Moves a thread to `status` (finished_at set for a terminal one). ITEM_NOT_FOUND for an unknown id,
   * THREAD_FINISHED when it already finished (repeating its final status is a no-op), INVALID_INPUT
   * for an unknown status.
   */
  updateStatus(
    threadId: string,
    status: ThreadStatus,
    options: UpdateStatusOptions & { readonly fence?: Fence } = {},
  ): ThreadRow {
    this.#assertOpen();
    assertStatus(status);
    this.#writeUsage();
    if (options.reason !== undefined && typeof options.reason !== "string") {
      throw invalid("reason must be a string (or omitted)", { thread_id: threadId });
    }
    const usage = options.usage === undefined ? undefined : recordJson("usage", options.usage);
    const change = transaction(this.#db, (): ThreadRow => {
      const current = this.#stmts.selectThread.get(threadId) as RawThreadRow | undefined;
      if (!current) throw notFound(threadId);
      this.#leases.assertFence(threadId, options.fence);
      if (isTerminal(current.status)) {
        if (current.status === status) return toThreadRow(current);
        throw new KiwiError({
          code: "THREAD_FINISHED",
          message: `thread ${JSON.stringify(threadId)} already finished (${current.status}) and cannot become ${status}: a finished thread's status is final, spawn a new thread instead`,
          context: { thread_id: threadId, status: current.status, requested: status },
        });
      }
      const now = this.#timestamp();
      const next: RawThreadRow = {
        ...current,
        status,
        reason: options.reason ?? null,
        usage: usage ?? current.usage,
        updated_at: now,
        finished_at: isTerminal(status) ? now : null,
      };
      const { thread_id, reason, usage: nextUsage, updated_at, finished_at } = next;
      this.#stmts.updateStatus.run({ thread_id, status, reason, usage: nextUsage, updated_at, finished_at });
      return toThreadRow(next);
    });
    return this.#guard("updating a thread's status", () => change.immediate());
  }

  /**
   * Replaces a thread's recorded usage (token counts, cost…); ITEM_NOT_FOUND for an unknown id. With a
   * fence, in one transaction with the fence's check: LEASE_LOST (nothing written) for a stale owner.
   */
  updateUsage(threadId: string, usage: Record<string, unknown>, fence?: Fence): ThreadRow {
    this.#assertOpen();
    if (!isRecord(usage)) throw invalid("usage must be a JSON object", { thread_id: threadId });
    const json = recordJson("usage", usage);
    const updated_at = this.#timestamp();
    if (fence !== undefined) checkFence(fence);
    const update = (): RawThreadRow | undefined => {
      this.#usage.delete(threadId);
      return this.#stmts.updateUsage.get({ thread_id: threadId, usage: json, updated_at }) as
        | RawThreadRow
        | undefined;
    };
    const fenced = transaction(this.#db, (): RawThreadRow | undefined => {
      if (!this.#stmts.selectThread.get(threadId)) throw notFound(threadId);
      this.#leases.assertFence(threadId, fence);
      return update();
    });
    const raw = this.#guard("updating a thread's usage", () =>
      fence === undefined ? update() : fenced.immediate(),
    );
    if (!raw) throw notFound(threadId);
    return toThreadRow(raw);
  }

  /**
   * Replaces a thread's recorded usage like updateUsage, but group-committed with the queued events (the
   * latest usage of each thread, in the same transaction as the events at the next setImmediate) instead of a
   * transaction of its own: for the per-turn usage of a running thread, whose events carry it as well.
   * Reads through this registry see it at once. ITEM_NOT_FOUND for an unknown id.
   */
  queueUsage(threadId: string, usage: Record<string, unknown>): void {
    this.#assertOpen();
    if (!isRecord(usage)) throw invalid("usage must be a JSON object", { thread_id: threadId });
    const json = toJson("usage", usage);
    this.#lastSeq(threadId); // ITEM_NOT_FOUND for an unknown thread
    this.#usage.set(threadId, { usage: json, updated_at: this.#timestamp() });
    this.#queue.schedule();
  }

  /** Writes queued usage now (with the queued events), so a read of a thread row sees it. */
  #writeUsage(): void {
    if (this.#usage.size > 0) this.flush();
  }

  /** Threads matching every given filter, newest first. */
  query(filter: ThreadQuery = {}): ThreadRow[] {
    this.#assertOpen();
    this.#writeUsage();
    refuseRenamedOptions(filter, { parent_id: "parentId" }, "ThreadRegistry.query");
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      const statuses: readonly ThreadStatus[] = Array.isArray(filter.status)
        ? filter.status
        : [filter.status];
      for (const s of statuses) assertStatus(s);
      if (statuses.length === 0) return [];
      where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
      params.push(...statuses);
    }
    if (filter.directive !== undefined) {
      where.push("directive = ?");
      params.push(filter.directive);
    }
    if (filter.parentId === null) where.push("parent_id IS NULL");
    else if (filter.parentId !== undefined) {
      where.push("parent_id = ?");
      params.push(filter.parentId);
    }
    if (filter.since !== undefined) {
      const since = new Date(filter.since);
      if (typeof filter.since !== "string" || Number.isNaN(since.getTime())) {
        throw invalid(`since must be an ISO-8601 time such as "2025-01-31T12:00:00Z"`, {
          since: filter.since,
        });
      }
      where.push("created_at >= ?");
      params.push(since.toISOString());
    }
    const limit = filter.limit ?? DEFAULT_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw invalid(`limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`, { limit });
    }
    params.push(limit);
    const sql = `SELECT ${THREAD_COLUMNS} FROM threads${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    const rows = this.#guard("querying threads", () =>
      this.#db.prepare(sql).all(...params),
    ) as RawThreadRow[];
    return rows.map(toThreadRow);
  }

  /**
   * Appends an event to a thread's log and returns its seq (1, 2, 3… per thread) at once; the row is
   * written with others at the next setImmediate or when batchSize rows wait. ITEM_NOT_FOUND for an
   * unknown thread. With a fence it is written at once (after the queued ones), in one transaction with
   * the fence's check: LEASE_LOST for a stale owner, and no seq used up.
   */
  appendEvent(threadId: string, type: string, data: Record<string, unknown>, fence?: Fence): { seq: number } {
    this.#assertOpen();
    if (typeof type !== "string" || type.length === 0) {
      throw invalid("the event type must be a non-empty string", { thread_id: threadId });
    }
    if (!isRecord(data)) throw invalid("event data must be a JSON object", { thread_id: threadId, type });
    const json = toJson("event data", data);
    if (fence !== undefined) {
      checkFence(fence);
      this.flush();
      const append = transaction(this.#db, (): { seq: number } => {
        // The database's last seq (another process may have appended since this one counted).
        const row = this.#stmts.threadLastSeq.get(threadId, threadId) as {
          known: number | null;
          last: number | null;
        };
        if (!row.known) throw notFound(threadId);
        this.#leases.assertFence(threadId, fence);
        const seq = Math.max(row.last ?? 0, this.#seqs.get(threadId) ?? 0) + 1;
        this.#stmts.insertEvent.run({ thread_id: threadId, seq, ts: this.#timestamp(), type, data: json });
        this.#seqs.set(threadId, seq);
        return { seq };
      });
      try {
        return this.#guard("appending a thread event", () => append.immediate());
      } catch (error) {
        // Refused: another process owns the thread now and appends to it; count from the database again.
        this.#seqs.delete(threadId);
        throw error;
      }
    }
    const seq = this.#lastSeq(threadId) + 1;
    this.#seqs.set(threadId, seq);
    this.#queue.push({ thread_id: threadId, seq, ts: this.#timestamp(), type, data: json });
    return { seq };
  }

  /** Writes every queued event now. REGISTRY_UNAVAILABLE (events kept) when the database stays busy. */
  flush(): void {
    this.#assertOpen();
    try {
      this.#queue.flush();
    } catch (err) {
      throw this.#writeFailed(err);
    }
  }

  /** A thread's events in seq order (queued ones written first); ITEM_NOT_FOUND for an unknown thread. */
  getEvents(threadId: string, query: EventQuery = {}): ThreadEvent[] {
    this.flush();
    const afterSeq = query.afterSeq ?? 0;
    if (!Number.isInteger(afterSeq) || afterSeq < 0) {
      throw invalid("afterSeq must be a whole number, 0 or more", { afterSeq });
    }
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
      throw invalid("limit must be a whole number, 1 or more (or omitted for all events)", {
        limit: query.limit,
      });
    }
    if (!this.#guard("reading a thread", () => this.#stmts.selectThread.get(threadId))) {
      throw notFound(threadId);
    }
    const params: unknown[] = [threadId, afterSeq];
    let types = "";
    if (query.types !== undefined) {
      if (query.types.length === 0) return [];
      types = ` AND type IN (${query.types.map(() => "?").join(", ")})`;
      params.push(...query.types);
    }
    params.push(query.limit ?? -1);
    const sql = `SELECT thread_id, seq, ts, type, data FROM thread_events WHERE thread_id = ? AND seq > ?${types} ORDER BY seq LIMIT ?`;
    const rows = this.#guard("reading thread events", () =>
      this.#db.prepare(sql).all(...params),
    ) as RawEvent[];
    return rows.map(toThreadEvent);
  }

  /**
   * Marks as `interrupted` every active thread whose owner is gone, with an `interrupted` event; returns
   * their ids. On this host (the same boot id) a dead owner process is recognised at once; an owner on
   * another boot or host is gone once its heartbeat is older than `leaseMs`. A thread parked for a
   * person's decision (`paused`, no owner) and threads owned by this process are never touched.
   * An `interrupted` thread is not finished: `claim` takes it over and it resumes in place.
   */
  markInterrupted(isAlive: IsAlive = isProcessAlive, options: { leaseMs?: number } = {}): string[] {
    this.flush();
    const candidates = this.#guard("finding interrupted threads", () =>
      this.#stmts.selectForeignActive.all(process.pid),
    ) as (ThreadOwner & { thread_id: string; status: string })[];
    const now = this.#now().getTime();
    const gone = candidates.filter(
      (c) => !(c.status === "paused" && c.pid === null) && ownerGone(c, isAlive, now, options.leaseMs),
    );
    if (gone.length === 0) return [];
    const mark = transaction(this.#db, () => {
      const marked: { thread_id: string; seq: number }[] = [];
      for (const { thread_id, pid } of gone) {
        const seq = this.#interrupt(thread_id, pid);
        if (seq !== undefined) marked.push({ thread_id, seq });
      }
      return marked;
    });
    const marked = this.#guard("marking interrupted threads", () => mark.immediate());
    for (const m of marked) this.#seqs.set(m.thread_id, m.seq);
    return marked.map((m) => m.thread_id);
  }

  /** The older name of `markInterrupted` (threads whose owner is gone are now `interrupted`, not `orphaned`). */
  markOrphans(isAlive: IsAlive = isProcessAlive): string[] {
    return this.markInterrupted(isAlive);
  }

  /** Inside a transaction: an active thread of a gone owner becomes `interrupted` (+ event); its event seq. */
  #interrupt(thread_id: string, pid: number | null): number | undefined {
    const now = this.#timestamp();
    const reason = `owner process ${pid ?? "(unknown)"} is gone`;
    const changed = this.#stmts.markInterrupted.run({ thread_id, pid, reason, now }).changes;
    if (Number(changed) === 0) return undefined; // it finished, or was claimed, since we looked
    const { last } = this.#stmts.maxEventSeq.get(thread_id) as { last: number | null };
    const seq = Math.max(last ?? 0, this.#seqs.get(thread_id) ?? 0) + 1;
    this.#stmts.insertEvent.run({
      thread_id,
      seq,
      ts: now,
      type: "interrupted",
      data: toJson("data", { reason, pid }),
    });
    return seq;
  }

  /** The owner lease of a thread (undefined for an unknown one). */
  /**
   * True when the thread has an owner on record and that owner is gone: a dead process on this boot, or a
   * lease not renewed in time elsewhere (what `markInterrupted` acts on).
   */
  isOwnerGone(threadId: string, isAlive: IsAlive = isProcessAlive): boolean {
    const owner = this.owner(threadId);
    return owner !== undefined && owner.pid !== null && ownerGone(owner, isAlive, this.#now().getTime());
  }

  owner(threadId: string): ThreadOwner | undefined {
    this.#assertOpen();
    return this.#guard("reading a thread's owner", () => this.#stmts.selectOwner.get(threadId)) as
      | ThreadOwner
      | undefined;
  }

  /**
   * Takes a thread over for this process so it can resume in place: exactly one of several processes
   * claiming at once wins (one BEGIN IMMEDIATE transaction). Claimable: an `interrupted` thread, one parked
   * for a person's decision (`paused` without an owner), or an active one whose owner is gone (recognised
   * as `markInterrupted` does, and recorded as interrupted first). It becomes `running` owned by this
   * process. ITEM_NOT_FOUND for an unknown id, THREAD_FINISHED for a finished thread, THREAD_OWNED when a
   * live process owns it (another resume won).
   */
  claim(threadId: string, options: { isAlive?: IsAlive; leaseMs?: number } = {}): ThreadRow {
    this.#assertOpen();
    this.flush();
    const isAlive = options.isAlive ?? isProcessAlive;
    const take = transaction(this.#db, (): { row: ThreadRow; seq?: number } => {
      const current = this.#stmts.selectThread.get(threadId) as RawThreadRow | undefined;
      if (!current) throw notFound(threadId);
      if (isTerminal(current.status)) {
        throw new KiwiError({
          code: "THREAD_FINISHED",
          message: `thread ${JSON.stringify(threadId)} already finished (${current.status}${current.reason ? `: ${current.reason}` : ""}): only an interrupted thread resumes in place; spawn a new thread (or resume_from its checkpoint) instead`,
          context: { thread_id: threadId, status: current.status },
        });
      }
      const lease = this.#stmts.selectOwner.get(threadId) as ThreadOwner;
      let seq: number | undefined;
      const parked = current.status === "paused" && current.pid === null;
      if (current.status !== "interrupted" && !parked) {
        const gone =
          current.pid !== process.pid && ownerGone(lease, isAlive, this.#now().getTime(), options.leaseMs);
        if (!gone) {
          throw new KiwiError({
            code: "THREAD_OWNED",
            message: `thread ${JSON.stringify(threadId)} is ${current.status}, owned by process ${current.pid ?? "(unknown)"}${current.pid === process.pid ? " (this one)" : ""}: only its owner runs it; use pause/terminate/kill to control it`,
            context: { thread_id: threadId, status: current.status, pid: current.pid },
          });
        }
        seq = this.#interrupt(threadId, current.pid);
      }
      const now = this.#timestamp();
      this.#stmts.claim.run({ thread_id: threadId, pid: process.pid, boot: BOOT_ID, now });
      const row = this.#stmts.selectThread.get(threadId) as RawThreadRow;
      return { row: toThreadRow(row), ...(seq !== undefined ? { seq } : {}) };
    });
    const taken = this.#guard("claiming a thread", () => take.immediate());
    if (taken.seq !== undefined) this.#seqs.set(threadId, taken.seq);
    // Seqs of events written by the earlier owner are read from the file again.
    if (taken.seq === undefined) this.#seqs.delete(threadId);
    return taken.row;
  }

  /**
   * Leaves a thread without an owner, parked for a person's decision: `paused` with `reason` (and pid
   * NULL, so it is not taken for interrupted). `claim` takes it again.
   */
  park(threadId: string, reason: string): ThreadRow {
    this.#assertOpen();
    this.#writeUsage();
    const park = transaction(this.#db, (): ThreadRow => {
      const current = this.#stmts.selectThread.get(threadId) as RawThreadRow | undefined;
      if (!current) throw notFound(threadId);
      const now = this.#timestamp();
      this.#stmts.park.run({ thread_id: threadId, reason, now });
      return toThreadRow(this.#stmts.selectThread.get(threadId) as RawThreadRow);
    });
    return this.#guard("parking a thread", () => park.immediate());
  }

  /** Renews this process's lease on the threads it runs (their heartbeat). */
  heartbeat(threadIds: readonly string[]): void {
    this.#assertOpen();
    if (threadIds.length === 0) return;
    const now = this.#timestamp();
    const beat = transaction(this.#db, () => {
      for (const thread_id of threadIds) this.#stmts.heartbeat.run({ thread_id, pid: process.pid, now });
    });
    this.#guard("renewing thread leases", () => beat.immediate());
  }

  // ── the step journal (`thread_steps`) ───────────────────────────────────────────────────────────

  /**
   * Writes a step's intent before it runs (committed at once, not group-committed: it must be on disk
   * before the effect happens). `request` and `requestHash` as the journal format says.
   */
  beginStep(
    threadId: string,
    step: StepIntentRow & {
      /** When the step began, if earlier than now (default: now). */
      readonly startedAt?: string;
    },
    fence?: Fence,
  ): void {
    this.#insertStep(threadId, step, fence, () =>
      this.#stmts.insertStep.run({
        ...stepColumns(threadId, step),
        started_at: step.startedAt ?? this.#timestamp(),
      }),
    );
  }

  /**
   * Writes a step that has already ended as one row, intent and outcome together (one commit instead of
   * two): for a step without an effect — a read, which a replay may simply ask again — whose intent did not
   * have to be on disk before it ran. `startedAt` is when it began (the registry's `timestamp()` then).
   * Fenced like beginStep.
   */
  recordStep(
    threadId: string,
    step: StepIntentRow & { readonly startedAt: string },
    outcome: string,
    fence?: Fence,
  ): void {
    this.#insertStep(threadId, step, fence, () =>
      this.#stmts.insertEndedStep.run({
        ...stepColumns(threadId, step),
        outcome,
        started_at: step.startedAt,
        ended_at: this.#timestamp(),
      }),
    );
  }

  /** A step row's insert, fenced by the owner's lease; a second row for the same step is JOURNAL_CORRUPT. */
  #insertStep(threadId: string, step: StepIntentRow, fence: Fence | undefined, insert: () => unknown): void {
    this.#assertOpen();
    this.#guard("journaling a step", () =>
      this.#leases.fenced(threadId, fence, () => stepOnce(threadId, step.seq, insert)),
    );
  }

  /** The registry clock's time now, as its rows record it (ISO 8601). */
  timestamp(): string {
    return this.#timestamp();
  }

  /** Writes a step's outcome (once: a recorded outcome is never changed); fenced like beginStep. */
  endStep(threadId: string, seq: number, outcome: string, fence?: Fence): void {
    this.#assertOpen();
    const changed = this.#guard("journaling a step's outcome", () =>
      this.#leases.fenced(threadId, fence, () =>
        this.#stmts.endStep.run({ thread_id: threadId, seq, outcome, ended_at: this.#timestamp() }),
      ),
    ).changes;
    if (Number(changed) === 0) {
      throw new KiwiError({
        code: "JOURNAL_CORRUPT",
        message: `step ${seq} of thread ${JSON.stringify(threadId)} has no intent to end, or already has an outcome`,
        context: { thread_id: threadId, seq },
      });
    }
  }

  /** A thread's journal rows in seq order, as stored. */
  steps(threadId: string): RawJournalStep[] {
    this.#assertOpen();
    return this.#guard("reading a thread's journal", () =>
      this.#stmts.selectSteps.all(threadId),
    ) as RawJournalStep[];
  }

  /**
   * Saves a run state for a thread (after its queued events); ITEM_NOT_FOUND for an unknown thread. With a
   * fence, checked in the same transaction: LEASE_LOST (nothing saved) for a stale owner.
   */
  saveCheckpoint(threadId: string, input: CheckpointInput, fence?: Fence): Checkpoint {
    if (!Number.isInteger(input.turn) || input.turn < 0) {
      throw invalid("turn must be a whole number, 0 or more", { thread_id: threadId, turn: input.turn });
    }
    if (fence !== undefined) checkFence(fence);
    const state = toJson("checkpoint state", input.state);
    this.flush();
    const save = transaction(this.#db, (): Checkpoint => {
      if (!this.#stmts.selectThread.get(threadId)) throw notFound(threadId);
      this.#leases.assertFence(threadId, fence);
      const { last } = this.#stmts.maxCheckpointSeq.get(threadId) as { last: number | null };
      const row = {
        thread_id: threadId,
        seq: (last ?? 0) + 1,
        ts: this.#timestamp(),
        turn: input.turn,
        state,
      };
      this.#stmts.insertCheckpoint.run(row);
      return { seq: row.seq, ts: row.ts, turn: row.turn, state: JSON.parse(state) };
    });
    return this.#guard("saving a checkpoint", () => save.immediate());
  }

  /** The thread's newest checkpoint, or undefined when it has none (or is unknown). */
  latestCheckpoint(threadId: string): Checkpoint | undefined {
    this.#assertOpen();
    const row = this.#guard("reading a checkpoint", () => this.#stmts.latestCheckpoint.get(threadId)) as
      | { seq: number; ts: string; turn: number; state: string }
      | undefined;
    return row && { seq: row.seq, ts: row.ts, turn: row.turn, state: JSON.parse(row.state) };
  }

  /**
   * Queues a control request for a thread another process runs (its owner applies it on its next poll).
   * ITEM_NOT_FOUND for an unknown thread.
   */
  requestControl(threadId: string, action: string, payload: Record<string, unknown> = {}): { id: number } {
    this.#assertOpen();
    const json = toJson("control payload", payload);
    const requested_at = this.#timestamp();
    const insert = transaction(this.#db, () => {
      if (!this.#stmts.selectThread.get(threadId)) throw notFound(threadId);
      const info = this.#stmts.insertControl.run({
        thread_id: threadId,
        action,
        payload: json,
        requested_at,
        requested_by: process.pid,
      });
      return { id: Number(info.lastInsertRowid) };
    });
    return this.#guard("queuing a control request", () => insert.immediate());
  }

  /** Takes (and marks handled) the pending control requests of the given threads, oldest first. */
  takeControls(
    threadIds: readonly string[],
  ): { id: number; thread_id: string; action: string; payload: Record<string, unknown> }[] {
    this.#assertOpen();
    if (threadIds.length === 0) return [];
    // One cheap read first (the partial index holds only pending rows): most polls find nothing and
    // need no write lock, however many threads this process runs.
    const wanted = new Set(threadIds);
    const pending = this.#guard("reading control requests", () => this.#stmts.anyPendingControls.all()) as {
      thread_id: string;
    }[];
    const mine = [...new Set(pending.map((p) => p.thread_id))].filter((id) => wanted.has(id));
    if (mine.length === 0) return [];
    const handled_at = this.#timestamp();
    const take = transaction(this.#db, () => {
      const out: { id: number; thread_id: string; action: string; payload: Record<string, unknown> }[] = [];
      for (const thread_id of mine) {
        const rows = this.#stmts.pendingControls.all(thread_id) as {
          id: number;
          thread_id: string;
          action: string;
          payload: string;
        }[];
        for (const r of rows) {
          this.#stmts.markControlHandled.run({ id: r.id, handled_at });
          out.push({ id: r.id, thread_id: r.thread_id, action: r.action, payload: JSON.parse(r.payload) });
        }
      }
      return out.sort((a, b) => a.id - b.id);
    });
    return this.#guard("taking control requests", () => take.immediate());
  }

  /**
   * Withdraws a control request nobody took yet, recording `error` as its outcome, so it is never applied
   * later (its thread ended or lost its owner, or its requester stopped waiting). False when the owner
   * took it first: its own outcome is then what counts.
   */
  withdrawControl(id: number, error: { code: string; message: string }): boolean {
    this.#assertOpen();
    const outcome = controlOutcomeJson({ ok: false, error });
    const info = this.#guard("withdrawing a control request", () =>
      this.#stmts.withdrawControl.run({ id, outcome, handled_at: this.#timestamp() }),
    );
    return Number(info.changes) > 0;
  }

  /** A thread and all its descendants, oldest first; empty for an unknown id. */
  subtree(threadId: string): ThreadRow[] {
    this.#assertOpen();
    this.#writeUsage();
    const rows = this.#guard("reading a thread tree", () =>
      this.#stmts.subtree.all(threadId),
    ) as RawThreadRow[];
    return rows.map(toThreadRow);
  }

  /**
   * Every thread and event (or one thread's subtree and its events), read in one transaction after the
   * queue is flushed: a consistent copy. Threads oldest first; events by thread id, then seq.
   */
  snapshot(options: { readonly threadId?: string } = {}): {
    threads: ThreadRow[];
    events: ThreadEvent[];
    steps: RawJournalStep[];
  } {
    this.flush();
    const { threadId } = options;
    const read = transaction(this.#db, () => {
      const threads = (
        threadId === undefined ? this.#stmts.allThreads.all() : this.#stmts.subtree.all(threadId)
      ) as RawThreadRow[];
      const events = (
        threadId === undefined ? this.#stmts.allEvents.all() : this.#stmts.subtreeEvents.all(threadId)
      ) as RawEvent[];
      const steps = (
        threadId === undefined ? this.#stmts.allSteps.all() : this.#stmts.subtreeSteps.all(threadId)
      ) as RawJournalStep[];
      return { threads: threads.map(toThreadRow), events: events.map(toThreadEvent), steps };
    });
    return this.#guard("reading the registry", () => read.deferred());
  }

  // ── the fenced lease and control outcomes (ThreadStore, issue 12; see sqlite-leases.ts) ─────────────

  /** Takes the thread's fenced lease for `owner` (ThreadStore.acquireLease). */
  acquireLease(threadId: string, options: AcquireLeaseOptions): ThreadLease {
    this.#assertOpen();
    return this.#guard("acquiring a lease", () => this.#leases.acquire(threadId, options));
  }

  /** Extends a lease still held (by ttlMs, default DEFAULT_LEASE_MS); LEASE_LOST once another owner acquired it. */
  renewLease(lease: ThreadLease, options: { ttlMs?: number } = {}): ThreadLease {
    this.#assertOpen();
    const ttlMs = options.ttlMs ?? DEFAULT_LEASE_MS;
    return this.#guard("renewing a lease", () => this.#leases.renew(lease, ttlMs));
  }

  releaseLease(lease: ThreadLease): void {
    this.#assertOpen();
    this.#guard("releasing a lease", () => this.#leases.release(lease));
  }

  lease(threadId: string): ThreadLease | undefined {
    this.#assertOpen();
    return this.#guard("reading a lease", () => this.#leases.current(threadId));
  }

  /** Reports how applying a taken control request ended, for its requester. */
  finishControl(id: number, outcome: ControlOutcome): void {
    this.#assertOpen();
    this.#guard("reporting a control's outcome", () => this.#leases.finishControl(id, outcome));
  }

  control(id: number): ControlRecord | undefined {
    this.#assertOpen();
    return this.#guard("reading a control request", () => this.#leases.control(id));
  }

  /** Events accepted but not yet written. */
  get queuedEvents(): number {
    return this.#queue.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Writes queued events and closes the database. Calling it again does nothing; any other call
   * afterwards throws REGISTRY_UNAVAILABLE. When the final write fails the registry stays open (the
   * error says why) so close() can be retried.
   */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#queue.cancel();
    this.#db.close();
    this.#closed = true;
  }

  #assertOpen(): void {
    if (!this.#closed) return;
    throw new KiwiError({
      code: "REGISTRY_UNAVAILABLE",
      message: `the thread registry ${this.file} is closed: open it again with ThreadRegistry.open`,
      context: { file: this.file, reason: "closed" },
    });
  }

  #lastSeq(thread_id: string): number {
    const known = this.#seqs.get(thread_id);
    if (known !== undefined) return known;
    const row = this.#guard("reading a thread", () =>
      this.#stmts.threadLastSeq.get(thread_id, thread_id),
    ) as {
      known: number | null;
      last: number | null;
    };
    if (!row.known) throw notFound(thread_id);
    return row.last ?? 0;
  }

  #timestamp(): string {
    return this.#now().toISOString();
  }

  #guard<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.#failed(err, action);
    }
  }

  #failed(err: unknown, action: string): KiwiError {
    if (KiwiError.isInstance(err)) return err;
    return unavailable(this.file, err, action);
  }

  #writeFailed(err: unknown): KiwiError {
    if (KiwiError.isInstance(err)) return err;
    const n = this.#queue.size;
    return new KiwiError({
      code: "REGISTRY_UNAVAILABLE",
      message: `could not write ${n} queued thread event${n === 1 ? "" : "s"} to ${this.file} (${sqliteMessage(err)}): they stay queued and are written by the next append, flush() or close()${isBusy(err) ? "; another process holds the database lock, raise busyTimeoutMs if this persists" : ""}`,
      context: { file: this.file, queued: n, sqlite_code: sqliteCode(err) },
      cause: err,
      retryable: isBusy(err),
    });
  }
}

function prepare(db: SqliteDatabase) {
  return {
    insertThread: db.prepare(
      `INSERT INTO threads (${THREAD_COLUMNS}, owner_boot_id, heartbeat_at) VALUES (@thread_id, @directive, @parent_id, @status, @reason, @pid, @created_at, @updated_at, @finished_at, @permission_context, @budget, @usage, @transcript_path, @owner_boot_id, @heartbeat_at)`,
    ),
    selectThread: db.prepare(`SELECT ${THREAD_COLUMNS} FROM threads WHERE thread_id = ?`),
    insertControl: db.prepare(
      "INSERT INTO thread_controls (thread_id, action, payload, requested_at, requested_by) VALUES (@thread_id, @action, @payload, @requested_at, @requested_by)",
    ),
    pendingControls: db.prepare(
      "SELECT id, thread_id, action, payload FROM thread_controls WHERE thread_id = ? AND handled_at IS NULL ORDER BY id",
    ),
    anyPendingControls: db.prepare("SELECT thread_id FROM thread_controls WHERE handled_at IS NULL"),
    markControlHandled: db.prepare("UPDATE thread_controls SET handled_at = @handled_at WHERE id = @id"),
    withdrawControl: db.prepare(
      "UPDATE thread_controls SET handled_at = @handled_at, outcome = @outcome WHERE id = @id AND handled_at IS NULL",
    ),
    updateStatus: db.prepare(
      "UPDATE threads SET status = @status, reason = @reason, usage = @usage, updated_at = @updated_at, finished_at = @finished_at WHERE thread_id = @thread_id",
    ),
    setUsage: db.prepare(
      "UPDATE threads SET usage = @usage, updated_at = @updated_at WHERE thread_id = @thread_id",
    ),
    updateUsage: db.prepare(
      `UPDATE threads SET usage = @usage, updated_at = @updated_at WHERE thread_id = @thread_id RETURNING ${THREAD_COLUMNS}`,
    ),
    selectForeignActive: db.prepare(
      `SELECT thread_id, status, pid, owner_boot_id, heartbeat_at FROM threads WHERE status IN (${ACTIVE_LIST}) AND (pid IS NULL OR pid <> ?) ORDER BY created_at, rowid`,
    ),
    markInterrupted: db.prepare(
      `UPDATE threads SET status = 'interrupted', reason = @reason, updated_at = @now, finished_at = NULL WHERE thread_id = @thread_id AND status IN (${ACTIVE_LIST}) AND pid IS @pid`,
    ),
    selectOwner: db.prepare("SELECT pid, owner_boot_id, heartbeat_at FROM threads WHERE thread_id = ?"),
    claim: db.prepare(
      "UPDATE threads SET status = 'running', reason = NULL, pid = @pid, owner_boot_id = @boot, heartbeat_at = @now, updated_at = @now, finished_at = NULL WHERE thread_id = @thread_id",
    ),
    park: db.prepare(
      "UPDATE threads SET status = 'paused', reason = @reason, pid = NULL, owner_boot_id = NULL, heartbeat_at = NULL, updated_at = @now WHERE thread_id = @thread_id",
    ),
    heartbeat: db.prepare(
      "UPDATE threads SET heartbeat_at = @now WHERE thread_id = @thread_id AND pid = @pid",
    ),
    insertStep: db.prepare(
      "INSERT INTO thread_steps (thread_id, seq, format, kind, request, request_hash, outcome, started_at, ended_at) VALUES (@thread_id, @seq, @format, @kind, @request, @request_hash, NULL, @started_at, NULL)",
    ),
    insertEndedStep: db.prepare(
      "INSERT INTO thread_steps (thread_id, seq, format, kind, request, request_hash, outcome, started_at, ended_at) VALUES (@thread_id, @seq, @format, @kind, @request, @request_hash, @outcome, @started_at, @ended_at)",
    ),
    endStep: db.prepare(
      "UPDATE thread_steps SET outcome = @outcome, ended_at = @ended_at WHERE thread_id = @thread_id AND seq = @seq AND outcome IS NULL",
    ),
    selectSteps: db.prepare(
      "SELECT thread_id, seq, format, kind, request, request_hash, outcome, started_at, ended_at FROM thread_steps WHERE thread_id = ? ORDER BY seq",
    ),
    subtreeSteps: db.prepare(
      `WITH RECURSIVE tree(id) AS (SELECT thread_id FROM threads WHERE thread_id = ? UNION SELECT t.thread_id FROM threads t JOIN tree ON t.parent_id = tree.id)
       SELECT thread_id, seq, format, kind, request, request_hash, outcome, started_at, ended_at FROM thread_steps WHERE thread_id IN (SELECT id FROM tree) ORDER BY thread_id, seq`,
    ),
    allSteps: db.prepare(
      "SELECT thread_id, seq, format, kind, request, request_hash, outcome, started_at, ended_at FROM thread_steps ORDER BY thread_id, seq",
    ),
    threadLastSeq: db.prepare(
      "SELECT (SELECT 1 FROM threads WHERE thread_id = ?) AS known, (SELECT MAX(seq) FROM thread_events WHERE thread_id = ?) AS last",
    ),
    maxEventSeq: db.prepare("SELECT MAX(seq) AS last FROM thread_events WHERE thread_id = ?"),
    insertEvent: db.prepare(
      "INSERT INTO thread_events (thread_id, seq, ts, type, data) VALUES (@thread_id, @seq, @ts, @type, @data)",
    ),
    maxCheckpointSeq: db.prepare("SELECT MAX(seq) AS last FROM checkpoints WHERE thread_id = ?"),
    insertCheckpoint: db.prepare(
      "INSERT INTO checkpoints (thread_id, seq, ts, turn, state) VALUES (@thread_id, @seq, @ts, @turn, @state)",
    ),
    latestCheckpoint: db.prepare(
      "SELECT seq, ts, turn, state FROM checkpoints WHERE thread_id = ? ORDER BY seq DESC LIMIT 1",
    ),
    subtree: db.prepare(
      `WITH RECURSIVE tree(id) AS (SELECT thread_id FROM threads WHERE thread_id = ? UNION SELECT t.thread_id FROM threads t JOIN tree ON t.parent_id = tree.id)
       SELECT ${THREAD_COLUMNS} FROM threads WHERE thread_id IN (SELECT id FROM tree) ORDER BY created_at, rowid`,
    ),
    subtreeEvents: db.prepare(
      `WITH RECURSIVE tree(id) AS (SELECT thread_id FROM threads WHERE thread_id = ? UNION SELECT t.thread_id FROM threads t JOIN tree ON t.parent_id = tree.id)
       SELECT thread_id, seq, ts, type, data FROM thread_events WHERE thread_id IN (SELECT id FROM tree) ORDER BY thread_id, seq`,
    ),
    allThreads: db.prepare(`SELECT ${THREAD_COLUMNS} FROM threads ORDER BY created_at, rowid`),
    allEvents: db.prepare("SELECT thread_id, seq, ts, type, data FROM thread_events ORDER BY thread_id, seq"),
  };
}

/**
 * Pragmas and migrations. Another process creating the same file at the same moment can hold the lock
 * while it switches to WAL or migrates; busy errors are retried until busyTimeoutMs has passed.
 */
function setUp(db: SqliteDatabase, file: string, busyTimeoutMs: number): number {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      return migrate(db, file);
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      sleepSync(10 + Math.random() * 20);
    }
  }
}

/**
 * Whether a thread's owner is gone: no owner recorded; on this boot of this host, a dead process; with no
 * boot id recorded (an older Kiwi), a dead process; on another boot or host, a heartbeat older than the
 * lease.
 */
export function ownerGone(
  owner: ThreadOwner,
  isAlive: IsAlive,
  nowMs: number,
  leaseMs = DEFAULT_LEASE_MS,
): boolean {
  if (owner.pid === null) return true;
  if (owner.owner_boot_id === null || owner.owner_boot_id === BOOT_ID) return !isAlive(owner.pid);
  const beat = owner.heartbeat_at ? Date.parse(owner.heartbeat_at) : Number.NaN;
  return !(nowMs - beat < leaseMs);
}

/** The columns every step row carries, from its intent. */
function stepColumns(threadId: string, step: StepIntentRow) {
  return {
    thread_id: threadId,
    seq: step.seq,
    format: step.format,
    kind: step.kind,
    request: step.request,
    request_hash: step.requestHash,
  };
}

/** Runs a step's intent insert: a second intent for the same step is JOURNAL_CORRUPT, not a failing file. */
function stepOnce<R>(threadId: string, seq: number, insert: () => R): R {
  try {
    return insert();
  } catch (err) {
    if ((err as { code?: unknown }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw stepNotOpen(threadId, seq);
    throw err;
  }
}

function assertStatus(status: unknown): asserts status is ThreadStatus {
  if (isThreadStatus(status)) return;
  throw invalid(`unknown thread status ${JSON.stringify(status)}: use one of ${THREAD_STATUSES.join(", ")}`, {
    status,
    allowed: [...THREAD_STATUSES],
  });
}

function notFound(thread_id: string): KiwiError {
  return new KiwiError({
    code: "ITEM_NOT_FOUND",
    message: `no thread ${JSON.stringify(thread_id)} in the registry: check the id (query lists threads)`,
    context: { thread_id },
  });
}

function sqliteMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** What to do about a SQLite failure: only a file SQLite says is damaged is worth moving aside. */
function hintFor(err: unknown): string {
  if (isBusy(err)) return "another process holds the database lock: retry, or raise busyTimeoutMs";
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(sqliteCode(err) ?? "")) {
    return "the file is not a usable SQLite database: move the damaged file aside and a new registry is created";
  }
  return "check that the path is writable and is a Kiwi thread registry";
}

function unavailable(file: string, err: unknown, action: string): KiwiError {
  const busy = isBusy(err);
  const hint = hintFor(err);
  return new KiwiError({
    code: "REGISTRY_UNAVAILABLE",
    message: `the thread registry ${file} is unavailable (${action}: ${sqliteMessage(err)}): ${hint}`,
    context: { file, sqlite_code: sqliteCode(err), sqlite_message: sqliteMessage(err) },
    cause: err,
    retryable: busy,
  });
}
