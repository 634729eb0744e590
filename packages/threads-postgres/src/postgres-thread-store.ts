import { KiwiError } from "@kiwi/spec";
import {
  type AcquireLeaseOptions,
  assertStatusChange,
  BOOT_ID,
  type Checkpoint,
  type CheckpointInput,
  type ControlOutcome,
  type ControlRecord,
  type ControlRequest,
  checkEvent,
  checkFence,
  checkLease,
  checkLeaseOptions,
  checkQuery,
  checkRegistration,
  checkStatus,
  checkTtl,
  controlNotFound,
  controlNotTaken,
  controlOutcomeJson,
  controlRecordOf,
  DEFAULT_LEASE_MS,
  type EventQuery,
  type Fence,
  type IsAlive,
  isProcessAlive,
  isTerminal,
  leaseHeld,
  leaseLost,
  ownerGone,
  type RawJournalStep,
  type RegisterThreadInput,
  type StepIntentRow,
  stepNotOpen,
  type ThreadEvent,
  type ThreadLease,
  type ThreadOwner,
  type ThreadQuery,
  type ThreadRow,
  type ThreadStatus,
  type ThreadStore,
  type ThreadStoreSnapshot,
  threadFinished,
  threadIdTaken,
  threadNotFound,
  type UpdateStatusOptions,
} from "@kiwi/threads";
import pg from "pg";
import { checkSchemaName, migrate } from "./schema";
import { parseStoreUrl, scrub } from "./store-url";

export interface PostgresThreadStoreOptions {
  /** `postgres://user:password@host:5432/database`. Never shown: messages name `postgres://host/database`. */
  readonly url: string;
  /** The schema holding the store's tables (default `kiwi`), created when missing. */
  readonly schema?: string;
  /** Connections in the store's pool (default 4). */
  readonly poolSize?: number;
  /** Told when an idle connection fails (the error is scrubbed of credentials). Default: a process warning. */
  readonly onError?: (err: KiwiError) => void;
}

/** The database's clock as ISO-8601 UTC text (the transaction's time: one value within a transaction). */
const NOW = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLUMNS =
  "thread_id, directive, parent_id, status, reason, pid, created_at, updated_at, finished_at, permission_context, budget, usage, transcript_path";
const STEP_COLUMNS = "thread_id, seq, format, kind, request, request_hash, outcome, started_at, ended_at";
const ACTIVE = "('spawning', 'running', 'paused', 'terminating')";

type Queryable = pg.Pool | pg.PoolClient;

interface RawRow extends Omit<ThreadRow, "permission_context" | "budget" | "usage"> {
  permission_context: string | null;
  budget: string | null;
  usage: string | null;
}

/**
 * The PostgreSQL ThreadStore: one database (and schema) shared by any number of hosts. Every write is
 * committed before its promise resolves (no group commit: another host must see it). Checks and the
 * writes they guard share one transaction with row locks (the thread's row, its lease row), so two hosts
 * racing for a lease, a claim or a step's outcome get exactly one winner.
 *
 * Nothing here is process-global: a store is a `pg.Pool`, and a process may open several.
 */
export class PostgresThreadStore implements ThreadStore {
  readonly location: string;
  readonly schemaVersion: number;
  /** The schema holding the tables. */
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #secrets: readonly string[];
  readonly #s: string;
  #closed = false;

  private constructor(
    pool: pg.Pool,
    location: string,
    secrets: readonly string[],
    schema: string,
    version: number,
  ) {
    this.#pool = pool;
    this.location = location;
    this.#secrets = secrets;
    this.schema = schema;
    this.#s = `"${schema}"`;
    this.schemaVersion = version;
  }

  /**
   * Connects, creates the schema when missing and migrates it. REGISTRY_UNAVAILABLE when the database
   * cannot be reached (the message names host and database only), REGISTRY_VERSION / JOURNAL_VERSION
   * when a newer Kiwi wrote it, INVALID_INPUT for a URL or schema name that is not one.
   */
  static async open(options: PostgresThreadStoreOptions): Promise<PostgresThreadStore> {
    const { location, secrets } = parseStoreUrl(options?.url);
    const schema = checkSchemaName(options.schema ?? "kiwi");
    const poolSize = options.poolSize ?? 4;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "poolSize must be 1 to 100",
        context: { poolSize },
      });
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: poolSize,
      application_name: "kiwi-thread-store",
    });
    const onError = options.onError ?? ((err: KiwiError) => process.emitWarning(err));
    // An idle client's error with no listener would end the process.
    pool.on("error", (err) => onError(unavailable(location, secrets, err, "an idle connection")));
    try {
      const version = await transact(pool, (client) => migrate(client, schema, location));
      return new PostgresThreadStore(pool, location, secrets, schema, version);
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (KiwiError.isInstance(err)) throw scrubbed(err, secrets);
      throw unavailable(location, secrets, err, "opening it");
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ── threads ──

  async register(input: RegisterThreadInput): Promise<ThreadRow> {
    const r = checkRegistration(input, "PostgresThreadStore.register");
    const owned = r.pid === process.pid;
    return this.#run("registering a thread", async (db) => {
      try {
        const { rows } = await db.query(
          `INSERT INTO ${this.#s}.threads (thread_id, directive, parent_id, status, reason, pid, created_at, updated_at, finished_at, permission_context, budget, usage, transcript_path, owner_boot_id, heartbeat_at)
           VALUES ($1, $2, $3, $4, NULL, $5, ${NOW}, ${NOW}, CASE WHEN $6 THEN ${NOW} END, $7, $8, NULL, $9, $10, CASE WHEN $5::integer IS NULL THEN NULL ELSE ${NOW} END)
           RETURNING ${COLUMNS}`,
          [
            r.thread_id,
            r.directive,
            r.parent_id,
            r.status,
            r.pid,
            isTerminal(r.status),
            r.permission_context,
            r.budget,
            r.transcript_path,
            owned ? BOOT_ID : null,
          ],
        );
        return rowOf(rows[0]);
      } catch (err) {
        if (pgCode(err) === "23505") throw threadIdTaken(r.thread_id);
        throw err;
      }
    });
  }

  async takeRegistration(input: RegisterThreadInput): Promise<ThreadRow> {
    const r = checkRegistration(input, "PostgresThreadStore.takeRegistration");
    const owned = r.pid === process.pid;
    return this.#run("taking a registered thread", async (db) => {
      const { rows } = await db.query(
        `UPDATE ${this.#s}.threads SET status = $4, pid = $5, updated_at = ${NOW},
           permission_context = CASE WHEN $6::text IS NULL THEN permission_context
             WHEN permission_context IS NULL THEN $6::text
             ELSE ($6::jsonb || permission_context::jsonb)::text END,
           budget = $7, transcript_path = $8, owner_boot_id = $9,
           heartbeat_at = CASE WHEN $5::integer IS NULL THEN NULL ELSE ${NOW} END
         WHERE thread_id = $1 AND directive = $2 AND parent_id IS NOT DISTINCT FROM $3
           AND status IN ('spawning', 'running', 'interrupted') AND budget IS NULL AND transcript_path IS NULL
         RETURNING ${COLUMNS}`,
        [
          r.thread_id,
          r.directive,
          r.parent_id,
          r.status,
          r.pid,
          r.permission_context,
          r.budget,
          r.transcript_path,
          owned ? BOOT_ID : null,
        ],
      );
      if (!rows[0]) throw threadIdTaken(r.thread_id);
      return rowOf(rows[0]);
    });
  }

  async get(threadId: string): Promise<ThreadRow | undefined> {
    return this.#run("reading a thread", async (db) => {
      const { rows } = await db.query(`SELECT ${COLUMNS} FROM ${this.#s}.threads WHERE thread_id = $1`, [
        threadId,
      ]);
      return rows[0] ? rowOf(rows[0]) : undefined;
    });
  }

  async updateStatus(
    threadId: string,
    status: ThreadStatus,
    options: UpdateStatusOptions & { readonly fence?: Fence } = {},
  ): Promise<ThreadRow> {
    checkStatus(status);
    checkFence(options.fence);
    if (options.reason !== undefined && typeof options.reason !== "string") {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: "reason must be a string (or omitted)",
        context: {},
      });
    }
    const usage = options.usage === undefined ? undefined : recordText("usage", options.usage);
    return this.#tx("updating a thread's status", async (db) => {
      const current = await this.#lockThread(db, threadId);
      await this.#assertFence(db, threadId, options.fence);
      if (!assertStatusChange(threadId, current.status, status)) return rowOf(current);
      const { rows } = await db.query(
        `UPDATE ${this.#s}.threads SET status = $2, reason = $3, usage = COALESCE($4, usage), updated_at = ${NOW},
           finished_at = CASE WHEN $5 THEN ${NOW} END WHERE thread_id = $1 RETURNING ${COLUMNS}`,
        [threadId, status, options.reason ?? null, usage ?? null, isTerminal(status)],
      );
      return rowOf(rows[0]);
    });
  }

  async updateUsage(threadId: string, usage: Record<string, unknown>, fence?: Fence): Promise<ThreadRow> {
    checkFence(fence);
    const text = recordText("usage", usage);
    return this.#run("updating a thread's usage", async (db) => {
      const { rows } = await db.query(
        `${this.#fenceCte(fence, 3)}UPDATE ${this.#s}.threads SET usage = $2, updated_at = ${NOW}
         WHERE thread_id = $1${fence ? " AND EXISTS (SELECT 1 FROM fenced)" : ""} RETURNING ${COLUMNS}`,
        fence ? [threadId, text, fence.token] : [threadId, text],
      );
      if (!rows[0]) throw await this.#refused(db, threadId, fence);
      return rowOf(rows[0]);
    });
  }

  async query(filter: ThreadQuery = {}): Promise<ThreadRow[]> {
    const q = checkQuery(filter, "PostgresThreadStore.query");
    if (q.statuses && q.statuses.length === 0) return [];
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (q.statuses) add("status = ANY(?)", q.statuses);
    if (filter.directive !== undefined) add("directive = ?", filter.directive);
    if (filter.parentId === null) where.push("parent_id IS NULL");
    else if (filter.parentId !== undefined) add("parent_id = ?", filter.parentId);
    if (q.since !== undefined) add("created_at >= ?", q.since);
    params.push(q.limit);
    const sql = `SELECT ${COLUMNS} FROM ${this.#s}.threads${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, created_order DESC LIMIT $${params.length}`;
    return this.#run("querying threads", async (db) => (await db.query(sql, params)).rows.map(rowOf));
  }

  async subtree(threadId: string): Promise<ThreadRow[]> {
    return this.#run("reading a thread tree", async (db) =>
      (await db.query(this.#subtreeSql(COLUMNS), [threadId])).rows.map(rowOf),
    );
  }

  // ── events ──

  async appendEvent(
    threadId: string,
    type: string,
    data: Record<string, unknown>,
    fence?: Fence,
  ): Promise<{ seq: number }> {
    checkFence(fence);
    const json = checkEvent(threadId, type, data);
    return this.#run("appending a thread event", async (db) => {
      const seq = await this.#insertEvent(db, threadId, type, json, fence);
      if (seq === undefined) throw await this.#refused(db, threadId, fence);
      return { seq };
    });
  }

  async getEvents(threadId: string, query: EventQuery = {}): Promise<ThreadEvent[]> {
    const afterSeq = query.afterSeq ?? 0;
    if (!Number.isInteger(afterSeq) || afterSeq < 0)
      throw invalid("afterSeq must be a whole number, 0 or more");
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
      throw invalid("limit must be a whole number, 1 or more (or omitted for all events)");
    }
    if (query.types !== undefined && query.types.length === 0) {
      if (!(await this.get(threadId))) throw threadNotFound(threadId);
      return [];
    }
    return this.#run("reading thread events", async (db) => {
      const known = await db.query(`SELECT 1 FROM ${this.#s}.threads WHERE thread_id = $1`, [threadId]);
      if (known.rowCount === 0) throw threadNotFound(threadId);
      const { rows } = await db.query(
        `SELECT thread_id, seq, ts, type, data FROM ${this.#s}.thread_events
         WHERE thread_id = $1 AND seq > $2 AND ($3::text[] IS NULL OR type = ANY($3)) ORDER BY seq LIMIT $4`,
        [threadId, afterSeq, query.types ?? null, query.limit ?? null],
      );
      return rows.map(eventOf);
    });
  }

  /** Every write is committed before it resolves: nothing is held back. */
  async flush(): Promise<void> {
    this.#assertOpen();
  }

  // ── the step journal ──

  // Each is ONE statement (the fence checked in it, see #fenceCte): a worker stopped between two statements
  // of a transaction would hold the lease row's lock and block the takeover that is meant to replace it,
  // and locking the lease row before the thread's (which the step's foreign key locks) could deadlock with
  // acquireLease, which locks them the other way round.

  async beginStep(threadId: string, step: StepIntentRow, fence?: Fence): Promise<void> {
    checkFence(fence);
    await this.#run("journaling a step", async (db) => {
      const values = [threadId, step.seq, step.format, step.kind, step.request, step.requestHash];
      let inserted: number | null;
      try {
        ({ rowCount: inserted } = await db.query(
          fence
            ? `${this.#fenceCte(fence, 7)}INSERT INTO ${this.#s}.thread_steps (${STEP_COLUMNS})
                 SELECT $1, $2, $3, $4, $5, $6, NULL, ${NOW}, NULL FROM fenced`
            : `INSERT INTO ${this.#s}.thread_steps (${STEP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, ${NOW}, NULL)`,
          fence ? [...values, fence.token] : values,
        ));
      } catch (err) {
        if (pgCode(err) === "23505") throw stepNotOpen(threadId, step.seq);
        if (pgCode(err) === "23503") throw threadNotFound(threadId);
        throw err;
      }
      if (inserted === 0) throw await this.#refused(db, threadId, fence);
    });
  }

  async endStep(threadId: string, seq: number, outcome: string, fence?: Fence): Promise<void> {
    checkFence(fence);
    await this.#run("journaling a step's outcome", async (db) => {
      const { rowCount } = await db.query(
        `${this.#fenceCte(fence, 4)}UPDATE ${this.#s}.thread_steps SET outcome = $3, ended_at = ${NOW}
           WHERE thread_id = $1 AND seq = $2 AND outcome IS NULL${fence ? " AND EXISTS (SELECT 1 FROM fenced)" : ""}`,
        fence ? [threadId, seq, outcome, fence.token] : [threadId, seq, outcome],
      );
      if (rowCount !== 0) return;
      // Nothing written: a stale fence (LEASE_LOST), else a step that is not open.
      if (fence && (await this.#token(db, threadId)) !== fence.token)
        throw await this.#refused(db, threadId, fence);
      throw stepNotOpen(threadId, seq);
    });
  }

  async steps(threadId: string): Promise<RawJournalStep[]> {
    return this.#run("reading a thread's journal", async (db) => {
      const { rows } = await db.query(
        `SELECT ${STEP_COLUMNS} FROM ${this.#s}.thread_steps WHERE thread_id = $1 ORDER BY seq`,
        [threadId],
      );
      return rows as RawJournalStep[];
    });
  }

  // ── the process lease ──

  async owner(threadId: string): Promise<ThreadOwner | undefined> {
    return this.#run("reading a thread's owner", async (db) => {
      const { rows } = await db.query(
        `SELECT pid, owner_boot_id, heartbeat_at FROM ${this.#s}.threads WHERE thread_id = $1`,
        [threadId],
      );
      return rows[0] as ThreadOwner | undefined;
    });
  }

  async claim(threadId: string, options: { isAlive?: IsAlive; leaseMs?: number } = {}): Promise<ThreadRow> {
    const isAlive = options.isAlive ?? isProcessAlive;
    return this.#tx("claiming a thread", async (db) => {
      const current = await this.#lockThread(db, threadId, ", owner_boot_id, heartbeat_at");
      if (isTerminal(current.status))
        throw threadFinished(threadId, current.status, undefined, current.reason);
      const parked = current.status === "paused" && current.pid === null;
      if (current.status !== "interrupted" && !parked) {
        const gone =
          current.pid !== process.pid &&
          ownerGone(current as unknown as ThreadOwner, isAlive, await this.#nowMs(db), options.leaseMs);
        if (!gone) {
          throw new KiwiError({
            code: "THREAD_OWNED",
            message: `thread ${JSON.stringify(threadId)} is ${current.status}, owned by process ${current.pid ?? "(unknown)"}${current.pid === process.pid ? " (this one)" : ""}: only its owner runs it; use pause/terminate/kill to control it`,
            context: { thread_id: threadId, status: current.status, pid: current.pid },
          });
        }
        await this.#interrupt(db, threadId, current.pid);
      }
      const { rows } = await db.query(
        `UPDATE ${this.#s}.threads SET status = 'running', reason = NULL, pid = $2, owner_boot_id = $3, heartbeat_at = ${NOW},
           updated_at = ${NOW}, finished_at = NULL WHERE thread_id = $1 RETURNING ${COLUMNS}`,
        [threadId, process.pid, BOOT_ID],
      );
      return rowOf(rows[0]);
    });
  }

  async park(threadId: string, reason: string): Promise<ThreadRow> {
    return this.#run("parking a thread", async (db) => {
      const { rows } = await db.query(
        `UPDATE ${this.#s}.threads SET status = 'paused', reason = $2, pid = NULL, owner_boot_id = NULL, heartbeat_at = NULL,
           updated_at = ${NOW} WHERE thread_id = $1 RETURNING ${COLUMNS}`,
        [threadId, reason],
      );
      if (!rows[0]) throw threadNotFound(threadId);
      return rowOf(rows[0]);
    });
  }

  async heartbeat(threadIds: readonly string[]): Promise<void> {
    if (threadIds.length === 0) return;
    await this.#run("renewing thread leases", (db) =>
      db.query(`UPDATE ${this.#s}.threads SET heartbeat_at = ${NOW} WHERE thread_id = ANY($1) AND pid = $2`, [
        threadIds,
        process.pid,
      ]),
    );
  }

  async markInterrupted(
    isAlive: IsAlive = isProcessAlive,
    options: { leaseMs?: number } = {},
  ): Promise<string[]> {
    return this.#tx("marking interrupted threads", async (db) => {
      const { rows } = await db.query(
        `SELECT thread_id, status, pid, owner_boot_id, heartbeat_at FROM ${this.#s}.threads
         WHERE status IN ${ACTIVE} AND (pid IS NULL OR pid <> $1) ORDER BY created_order FOR UPDATE SKIP LOCKED`,
        [process.pid],
      );
      const now = await this.#nowMs(db);
      const marked: string[] = [];
      for (const c of rows as (ThreadOwner & { thread_id: string; status: string })[]) {
        if (c.status === "paused" && c.pid === null) continue;
        // Queued by a submission (no process yet): it waits for a worker, nobody died running it.
        if (c.status === "spawning" && c.pid === null) continue;
        if (!ownerGone(c, isAlive, now, options.leaseMs)) continue;
        await this.#interrupt(db, c.thread_id, c.pid);
        marked.push(c.thread_id);
      }
      return marked;
    });
  }

  // ── the fenced lease ──

  async acquireLease(threadId: string, options: AcquireLeaseOptions): Promise<ThreadLease> {
    const { owner, ttlMs } = checkLeaseOptions(options);
    return this.#tx("acquiring a lease", async (db) => {
      const thread = await this.#lockThread(db, threadId);
      if (isTerminal(thread.status)) throw threadFinished(threadId, thread.status);
      const { rows } = await db.query(
        `SELECT thread_id, owner, token, expires_at, expires_at > now() AS live FROM ${this.#s}.thread_leases WHERE thread_id = $1 FOR UPDATE`,
        [threadId],
      );
      const current = rows[0] as (RawLease & { live: boolean }) | undefined;
      if (current && current.owner !== null && current.owner !== owner && current.live) {
        throw leaseHeld(threadId, leaseOf(current));
      }
      const next = await db.query(
        `INSERT INTO ${this.#s}.thread_leases (thread_id, owner, token, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
         ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at
         RETURNING thread_id, owner, token, expires_at`,
        [threadId, owner, (current?.token ?? 0) + 1, ttlMs],
      );
      return leaseOf(next.rows[0]);
    });
  }

  async renewLease(lease: ThreadLease, options: { ttlMs?: number } = {}): Promise<ThreadLease> {
    checkLease(lease);
    const ttlMs = options.ttlMs ?? DEFAULT_LEASE_MS;
    checkTtl(ttlMs);
    return this.#run("renewing a lease", async (db) => {
      const { rows } = await db.query(
        `UPDATE ${this.#s}.thread_leases SET expires_at = now() + $3 * interval '1 millisecond'
         WHERE thread_id = $1 AND token = $2 AND owner IS NOT NULL RETURNING thread_id, owner, token, expires_at`,
        [lease.thread_id, lease.token, ttlMs],
      );
      if (!rows[0]) throw leaseLost(lease.thread_id, lease.token, await this.#token(db, lease.thread_id));
      return leaseOf(rows[0]);
    });
  }

  async releaseLease(lease: ThreadLease): Promise<void> {
    checkLease(lease);
    await this.#run("releasing a lease", (db) =>
      db.query(
        `UPDATE ${this.#s}.thread_leases SET owner = NULL, expires_at = now() WHERE thread_id = $1 AND token = $2`,
        [lease.thread_id, lease.token],
      ),
    );
  }

  async lease(threadId: string): Promise<ThreadLease | undefined> {
    return this.#run("reading a lease", async (db) => {
      const { rows } = await db.query(
        `SELECT thread_id, owner, token, expires_at FROM ${this.#s}.thread_leases WHERE thread_id = $1 AND owner IS NOT NULL`,
        [threadId],
      );
      return rows[0] ? leaseOf(rows[0]) : undefined;
    });
  }

  // ── controls ──

  async requestControl(
    threadId: string,
    action: string,
    payload: Record<string, unknown> = {},
  ): Promise<{ id: number }> {
    const json = checkEvent(threadId, action, payload);
    return this.#run("queuing a control request", async (db) => {
      const { rows } = await db.query(
        `INSERT INTO ${this.#s}.thread_controls (thread_id, action, payload, requested_at, requested_by)
         SELECT thread_id, $2, $3, ${NOW}, $4 FROM ${this.#s}.threads WHERE thread_id = $1 RETURNING id`,
        [threadId, action, json, process.pid],
      );
      if (!rows[0]) throw threadNotFound(threadId);
      return { id: Number(rows[0].id) };
    });
  }

  async takeControls(threadIds: readonly string[]): Promise<ControlRequest[]> {
    if (threadIds.length === 0) return [];
    return this.#run("taking control requests", async (db) => {
      // SKIP LOCKED: two hosts polling at once split the pending requests; each is taken exactly once.
      const { rows } = await db.query(
        `UPDATE ${this.#s}.thread_controls SET handled_at = ${NOW} WHERE id IN (
           SELECT id FROM ${this.#s}.thread_controls WHERE handled_at IS NULL AND thread_id = ANY($1) ORDER BY id FOR UPDATE SKIP LOCKED)
         RETURNING id, thread_id, action, payload`,
        [threadIds],
      );
      return rows
        .map((r) => ({
          id: Number(r.id),
          thread_id: r.thread_id,
          action: r.action,
          payload: JSON.parse(r.payload),
        }))
        .sort((a, b) => a.id - b.id);
    });
  }

  async finishControl(id: number, outcome: ControlOutcome): Promise<void> {
    const json = controlOutcomeJson(outcome);
    await this.#tx("reporting a control's outcome", async (db) => {
      const record = await this.#control(db, id, " FOR UPDATE");
      if (!record) throw controlNotFound(id);
      if (record.status !== "taken") throw controlNotTaken(id, record.status);
      await db.query(`UPDATE ${this.#s}.thread_controls SET outcome = $2 WHERE id = $1`, [id, json]);
    });
  }

  /**
   * Withdraws a control request nobody took yet, recording `error` as its outcome, so it is never applied
   * later (its thread ended or lost its owner, or its requester stopped waiting). False when the owner took
   * it first: its own outcome then counts. (Beyond ThreadStore: what `ThreadManager.awaitControl` uses.)
   */
  async withdrawControl(id: number, error: { code: string; message: string }): Promise<boolean> {
    const json = controlOutcomeJson({ ok: false, error });
    return this.#run("withdrawing a control request", async (db) => {
      const { rowCount } = await db.query(
        `UPDATE ${this.#s}.thread_controls SET handled_at = ${NOW}, outcome = $2 WHERE id = $1 AND handled_at IS NULL`,
        [id, json],
      );
      return (rowCount ?? 0) > 0;
    });
  }

  async control(id: number): Promise<ControlRecord | undefined> {
    if (!Number.isInteger(id)) return undefined;
    return this.#run("reading a control request", (db) => this.#control(db, id, ""));
  }

  // ── checkpoints and export ──

  async saveCheckpoint(threadId: string, input: CheckpointInput, fence?: Fence): Promise<Checkpoint> {
    if (!Number.isInteger(input.turn) || input.turn < 0)
      throw invalid("turn must be a whole number, 0 or more");
    checkFence(fence);
    const state = JSON.stringify(input.state);
    if (state === undefined) throw invalid("checkpoint state cannot be written as JSON: pass plain data");
    return this.#tx("saving a checkpoint", async (db) => {
      await this.#lockThread(db, threadId);
      await this.#assertFence(db, threadId, fence);
      const { rows } = await db.query(
        `INSERT INTO ${this.#s}.checkpoints (thread_id, seq, ts, turn, state)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, ${NOW}, $2, $3 FROM ${this.#s}.checkpoints WHERE thread_id = $1
         RETURNING seq, ts, turn, state`,
        [threadId, input.turn, state],
      );
      return checkpointOf(rows[0]);
    });
  }

  async latestCheckpoint(threadId: string): Promise<Checkpoint | undefined> {
    return this.#run("reading a checkpoint", async (db) => {
      const { rows } = await db.query(
        `SELECT seq, ts, turn, state FROM ${this.#s}.checkpoints WHERE thread_id = $1 ORDER BY seq DESC LIMIT 1`,
        [threadId],
      );
      return rows[0] ? checkpointOf(rows[0]) : undefined;
    });
  }

  async snapshot(options: { readonly threadId?: string } = {}): Promise<ThreadStoreSnapshot> {
    const { threadId } = options;
    return this.#tx(
      "reading the store",
      async (db) => {
        const tree = `WITH RECURSIVE tree(id) AS (SELECT thread_id FROM ${this.#s}.threads WHERE thread_id = $1 UNION SELECT t.thread_id FROM ${this.#s}.threads t JOIN tree ON t.parent_id = tree.id)`;
        const scope = threadId === undefined ? "" : " WHERE thread_id IN (SELECT id FROM tree)";
        const head = threadId === undefined ? "" : tree;
        const params = threadId === undefined ? [] : [threadId];
        const threads = await db.query(
          `${head} SELECT ${COLUMNS} FROM ${this.#s}.threads${scope} ORDER BY created_at, created_order`,
          params,
        );
        const events = await db.query(
          `${head} SELECT thread_id, seq, ts, type, data FROM ${this.#s}.thread_events${scope} ORDER BY thread_id, seq`,
          params,
        );
        const steps = await db.query(
          `${head} SELECT ${STEP_COLUMNS} FROM ${this.#s}.thread_steps${scope} ORDER BY thread_id, seq`,
          params,
        );
        return {
          threads: threads.rows.map(rowOf),
          events: events.rows.map(eventOf),
          steps: steps.rows as RawJournalStep[],
        };
      },
      "REPEATABLE READ",
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  // ── internals ──

  #assertOpen(): void {
    if (!this.#closed) return;
    throw new KiwiError({
      code: "REGISTRY_UNAVAILABLE",
      message: `the thread store ${this.location} is closed: open it again with PostgresThreadStore.open`,
      context: { location: this.location, reason: "closed" },
    });
  }

  async #run<T>(action: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
    this.#assertOpen();
    try {
      return await fn(this.#pool);
    } catch (err) {
      throw this.#failed(err, action);
    }
  }

  async #tx<T>(
    action: string,
    fn: (db: pg.PoolClient) => Promise<T>,
    isolation = "READ COMMITTED",
  ): Promise<T> {
    this.#assertOpen();
    try {
      return await transact(this.#pool, fn, isolation);
    } catch (err) {
      throw this.#failed(err, action);
    }
  }

  #failed(err: unknown, action: string): KiwiError {
    if (KiwiError.isInstance(err)) return scrubbed(err, this.#secrets);
    return unavailable(this.location, this.#secrets, err, action);
  }

  #subtreeSql(columns: string): string {
    return `WITH RECURSIVE tree(id) AS (SELECT thread_id FROM ${this.#s}.threads WHERE thread_id = $1 UNION SELECT t.thread_id FROM ${this.#s}.threads t JOIN tree ON t.parent_id = tree.id)
      SELECT ${columns} FROM ${this.#s}.threads WHERE thread_id IN (SELECT id FROM tree) ORDER BY created_at, created_order`;
  }

  /** The thread's row, locked for this transaction; ITEM_NOT_FOUND when there is none. */
  async #lockThread(db: pg.PoolClient, threadId: string, extra = ""): Promise<RawRow> {
    const { rows } = await db.query(
      `SELECT ${COLUMNS}${extra} FROM ${this.#s}.threads WHERE thread_id = $1 FOR UPDATE`,
      [threadId],
    );
    if (!rows[0]) throw threadNotFound(threadId);
    return rows[0] as RawRow;
  }

  /**
   * A fenced write as ONE statement (`fenced` names the check; `$n` is the fence's token): the thread's row
   * is locked first, then its lease row FOR SHARE — the order acquireLease locks them in — and the lease is
   * re-read once locked, so the write commits before a takeover or not at all. One statement, so a process
   * stopped (SIGSTOP) between its writes never holds a lock a takeover waits for.
   */
  #fenceCte(fence: Fence | undefined, n: number): string {
    if (fence === undefined) return "";
    return `WITH locked AS (SELECT thread_id FROM ${this.#s}.threads WHERE thread_id = $1 FOR UPDATE),
      fenced AS (SELECT 1 FROM ${this.#s}.thread_leases l, locked WHERE l.thread_id = $1 AND l.token = $${n} FOR SHARE OF l)
      `;
  }

  /** Why a write of one thread's row changed nothing: ITEM_NOT_FOUND, or LEASE_LOST under a stale fence. */
  async #refused(db: Queryable, threadId: string, fence: Fence | undefined): Promise<KiwiError> {
    if (fence === undefined) return threadNotFound(threadId);
    const known = await db.query(`SELECT 1 FROM ${this.#s}.threads WHERE thread_id = $1`, [threadId]);
    if (known.rowCount === 0) return threadNotFound(threadId);
    return leaseLost(threadId, fence.token, await this.#token(db, threadId));
  }

  /** LEASE_LOST unless `fence` is the thread's current lease token (the lease row locked until commit). */
  async #assertFence(db: pg.PoolClient, threadId: string, fence: Fence | undefined): Promise<void> {
    if (fence === undefined) return;
    const { rows } = await db.query(
      `SELECT token FROM ${this.#s}.thread_leases WHERE thread_id = $1 FOR SHARE`,
      [threadId],
    );
    const token = rows[0] ? Number(rows[0].token) : null;
    if (token !== fence.token) throw leaseLost(threadId, fence.token, token);
  }

  async #token(db: Queryable, threadId: string): Promise<number | null> {
    const { rows } = await db.query(`SELECT token FROM ${this.#s}.thread_leases WHERE thread_id = $1`, [
      threadId,
    ]);
    return rows[0] ? Number(rows[0].token) : null;
  }

  /** Appends an event in one statement: the thread's counter row orders concurrent appenders. */
  async #insertEvent(
    db: Queryable,
    threadId: string,
    type: string,
    json: string,
    fence?: Fence,
  ): Promise<number | undefined> {
    const cte = this.#fenceCte(fence, 4);
    const { rows } = await db.query(
      `${cte ? `${cte}, ` : "WITH "}next AS (UPDATE ${this.#s}.threads SET last_event_seq = last_event_seq + 1
         WHERE thread_id = $1${fence ? " AND EXISTS (SELECT 1 FROM fenced)" : ""} RETURNING last_event_seq)
       INSERT INTO ${this.#s}.thread_events (thread_id, seq, ts, type, data) SELECT $1, last_event_seq, ${NOW}, $2, $3 FROM next RETURNING seq`,
      fence ? [threadId, type, json, fence.token] : [threadId, type, json],
    );
    return rows[0] ? Number(rows[0].seq) : undefined;
  }

  /** Inside a transaction: the thread becomes `interrupted` with an `interrupted` event. */
  async #interrupt(db: pg.PoolClient, threadId: string, pid: number | null): Promise<void> {
    const reason = `owner process ${pid ?? "(unknown)"} is gone`;
    await db.query(
      `UPDATE ${this.#s}.threads SET status = 'interrupted', reason = $2, updated_at = ${NOW}, finished_at = NULL WHERE thread_id = $1`,
      [threadId, reason],
    );
    await this.#insertEvent(db, threadId, "interrupted", JSON.stringify({ reason, pid }));
  }

  async #nowMs(db: pg.PoolClient): Promise<number> {
    const { rows } = await db.query("SELECT (extract(epoch FROM now()) * 1000)::float8 AS ms");
    return Number(rows[0].ms);
  }

  async #control(db: Queryable, id: number, lock: string): Promise<ControlRecord | undefined> {
    const { rows } = await db.query(
      `SELECT id, thread_id, action, payload, requested_at, handled_at, outcome FROM ${this.#s}.thread_controls WHERE id = $1${lock}`,
      [id],
    );
    const r = rows[0];
    return r && controlRecordOf({ ...r, id: Number(r.id), payload: JSON.parse(r.payload) });
  }
}

interface RawLease {
  thread_id: string;
  owner: string | null;
  token: number;
  expires_at: Date;
}

function leaseOf(raw: RawLease): ThreadLease {
  return {
    thread_id: raw.thread_id,
    owner: raw.owner ?? "",
    token: Number(raw.token),
    expires_at: new Date(raw.expires_at).toISOString(),
  };
}

function rowOf(raw: RawRow): ThreadRow {
  return {
    thread_id: raw.thread_id,
    directive: raw.directive,
    parent_id: raw.parent_id,
    status: raw.status,
    reason: raw.reason,
    pid: raw.pid,
    created_at: raw.created_at,
    updated_at: raw.updated_at,
    finished_at: raw.finished_at,
    permission_context: parseRecord(raw.permission_context),
    budget: parseRecord(raw.budget),
    usage: parseRecord(raw.usage),
    transcript_path: raw.transcript_path,
  };
}

function eventOf(raw: {
  thread_id: string;
  seq: number;
  ts: string;
  type: string;
  data: string;
}): ThreadEvent {
  return {
    thread_id: raw.thread_id,
    seq: Number(raw.seq),
    ts: raw.ts,
    type: raw.type,
    data: JSON.parse(raw.data),
  };
}

function checkpointOf(raw: { seq: number; ts: string; turn: number; state: string }): Checkpoint {
  return { seq: Number(raw.seq), ts: raw.ts, turn: Number(raw.turn), state: JSON.parse(raw.state) };
}

function parseRecord(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

function recordText(field: string, value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`${field} must be a JSON object`);
  }
  return JSON.stringify(value);
}

function invalid(message: string): KiwiError {
  return new KiwiError({ code: "INVALID_INPUT", message, context: {} });
}

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Runs `fn` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws. */
async function transact<T>(
  pool: pg.Pool,
  fn: (db: pg.PoolClient) => Promise<T>,
  isolation = "READ COMMITTED",
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** REGISTRY_UNAVAILABLE for a database failure: names host and database, never the user or password. */
function unavailable(location: string, secrets: readonly string[], err: unknown, action: string): KiwiError {
  const message = scrub(err instanceof Error ? err.message : String(err), secrets);
  const code = pgCode(err);
  return new KiwiError({
    code: "REGISTRY_UNAVAILABLE",
    message: `the thread store ${location} is unavailable (${action}: ${message}): check that PostgreSQL is running and reachable, and the store URL (KIWI_STORE or --store)`,
    context: { location, ...(code ? { pg_code: code } : {}) },
    // The driver's error is not kept as the cause: it may carry connection details.
    retryable: code === undefined || /^(08|53|57P)/.test(code),
  });
}

/** A KiwiError whose message and context may have picked up a secret (a scrubbed copy when so). */
function scrubbed(err: KiwiError, secrets: readonly string[]): KiwiError {
  const text = JSON.stringify({ m: err.message, c: err.context });
  if (scrub(text, secrets) === text) return err;
  return new KiwiError({
    code: err.code,
    message: scrub(err.message, secrets),
    context: JSON.parse(scrub(JSON.stringify(err.context ?? {}), secrets)) as Record<string, unknown>,
    retryable: err.retryable,
  });
}
