import {
  checkFence,
  checkLease,
  checkLeaseOptions,
  checkTtl,
  controlNotFound,
  controlNotTaken,
  controlOutcomeJson,
  controlRecordOf,
  leaseHeld,
  leaseLost,
  threadFinished,
  threadNotFound,
} from "../store/store-rules";
import type {
  AcquireLeaseOptions,
  ControlOutcome,
  ControlRecord,
  Fence,
  ThreadLease,
} from "../store/thread-store";
import { type SqliteDatabase, transaction } from "./sqlite/sqlite-database";
import { isTerminal, isThreadStatus } from "./statuses";

/**
 * The parts of the ThreadStore contract the SQLite registry adds for issue 12, over the registry's own
 * connection: the fenced lease (`thread_leases`) and control outcomes (`thread_controls.outcome`).
 * Every write is one BEGIN IMMEDIATE transaction, so a check and the write it guards are atomic.
 */
export class SqliteLeases {
  readonly #db: SqliteDatabase;
  readonly #now: () => Date;
  readonly #stmts: ReturnType<typeof prepare>;

  constructor(db: SqliteDatabase, now: () => Date) {
    this.#db = db;
    this.#now = now;
    this.#stmts = prepare(db);
  }

  acquire(threadId: string, options: AcquireLeaseOptions): ThreadLease {
    const { owner, ttlMs } = checkLeaseOptions(options);
    const take = transaction(this.#db, (): ThreadLease => {
      const thread = this.#stmts.threadStatus.get(threadId) as { status: string } | undefined;
      if (!thread) throw threadNotFound(threadId);
      if (isThreadStatus(thread.status) && isTerminal(thread.status))
        throw threadFinished(threadId, thread.status);
      const now = this.#now();
      const current = this.#stmts.lease.get(threadId) as RawLease | undefined;
      if (
        current &&
        current.owner !== null &&
        current.owner !== owner &&
        Date.parse(current.expires_at) > now.getTime()
      ) {
        throw leaseHeld(threadId, leaseOf(current));
      }
      const lease = {
        thread_id: threadId,
        owner,
        token: (current?.token ?? 0) + 1,
        expires_at: new Date(now.getTime() + ttlMs).toISOString(),
      };
      this.#stmts.upsert.run(lease);
      return lease;
    });
    return take.immediate();
  }

  renew(lease: ThreadLease, ttlMs: number): ThreadLease {
    checkLease(lease);
    checkTtl(ttlMs);
    const expires_at = new Date(this.#now().getTime() + ttlMs).toISOString();
    const changed = this.#stmts.renew.run({
      thread_id: lease.thread_id,
      token: lease.token,
      expires_at,
    }).changes;
    if (Number(changed) === 0) throw leaseLost(lease.thread_id, lease.token, this.#token(lease.thread_id));
    return { ...lease, expires_at };
  }

  release(lease: ThreadLease): void {
    checkLease(lease);
    this.#stmts.release.run({
      thread_id: lease.thread_id,
      token: lease.token,
      expires_at: this.#now().toISOString(),
    });
  }

  current(threadId: string): ThreadLease | undefined {
    const raw = this.#stmts.lease.get(threadId) as RawLease | undefined;
    return raw && raw.owner !== null ? leaseOf(raw) : undefined;
  }

  /** Runs `write` in one transaction after checking that `fence` is the thread's current token. */
  fenced<R>(threadId: string, fence: Fence | undefined, write: () => R): R {
    if (fence === undefined) return write();
    checkFence(fence);
    const run = transaction(this.#db, (): R => {
      const token = this.#token(threadId);
      if (token !== fence.token) throw leaseLost(threadId, fence.token, token);
      return write();
    });
    return run.immediate();
  }

  /** Inside a transaction of the caller's: LEASE_LOST unless `fence` is the current token. */
  assertFence(threadId: string, fence: Fence | undefined): void {
    if (fence === undefined) return;
    checkFence(fence);
    const token = this.#token(threadId);
    if (token !== fence.token) throw leaseLost(threadId, fence.token, token);
  }

  finishControl(id: number, outcome: ControlOutcome): void {
    const json = controlOutcomeJson(outcome);
    const finish = transaction(this.#db, () => {
      const record = this.control(id);
      if (!record) throw controlNotFound(id);
      if (record.status !== "taken") throw controlNotTaken(id, record.status);
      this.#stmts.finishControl.run({ id, outcome: json });
    });
    finish.immediate();
  }

  control(id: number): ControlRecord | undefined {
    const row = this.#stmts.control.get(id) as (RawControl & { payload: string }) | undefined;
    return row && controlRecordOf({ ...row, payload: JSON.parse(row.payload) });
  }

  #token(threadId: string): number | null {
    const row = this.#stmts.lease.get(threadId) as RawLease | undefined;
    return row ? row.token : null;
  }
}

interface RawLease {
  thread_id: string;
  owner: string | null;
  token: number;
  expires_at: string;
}

interface RawControl {
  id: number;
  thread_id: string;
  action: string;
  requested_at: string;
  handled_at: string | null;
  outcome: string | null;
}

function leaseOf(raw: RawLease): ThreadLease {
  return { thread_id: raw.thread_id, owner: raw.owner ?? "", token: raw.token, expires_at: raw.expires_at };
}

function prepare(db: SqliteDatabase) {
  return {
    threadStatus: db.prepare("SELECT status FROM threads WHERE thread_id = ?"),
    lease: db.prepare("SELECT thread_id, owner, token, expires_at FROM thread_leases WHERE thread_id = ?"),
    upsert: db.prepare(
      "INSERT INTO thread_leases (thread_id, owner, token, expires_at) VALUES (@thread_id, @owner, @token, @expires_at) ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at",
    ),
    renew: db.prepare(
      "UPDATE thread_leases SET expires_at = @expires_at WHERE thread_id = @thread_id AND token = @token AND owner IS NOT NULL",
    ),
    release: db.prepare(
      "UPDATE thread_leases SET owner = NULL, expires_at = @expires_at WHERE thread_id = @thread_id AND token = @token",
    ),
    control: db.prepare(
      "SELECT id, thread_id, action, payload, requested_at, handled_at, outcome FROM thread_controls WHERE id = ?",
    ),
    finishControl: db.prepare(
      "UPDATE thread_controls SET outcome = @outcome WHERE id = @id AND outcome IS NULL",
    ),
  };
}
