import type { Checkpoint, ThreadEvent, ThreadRow } from "../registry/rows";
import type { ThreadStatus } from "../registry/statuses";
import type {
  CheckpointInput,
  EventQuery,
  IsAlive,
  RawJournalStep,
  RegisterThreadInput,
  ThreadOwner,
  ThreadQuery,
  UpdateStatusOptions,
} from "../registry/thread-registry";

/**
 * A value or a promise of it. The embedded SQLite registry answers synchronously; a store on a server
 * (PostgreSQL) answers with promises. Code written against ThreadStore always awaits.
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * The lease token a write is made under. A fenced write is refused with LEASE_LOST once another owner has
 * acquired the thread's lease (its token is then larger): a worker declared dead that is still running
 * cannot record a second result for a step its successor records, nor add events, usage or checkpoints to
 * the thread it lost. The check and the write are one atomic operation (a write that committed happened
 * before the next acquisition). Without a fence a write is not checked.
 *
 * Every write a thread's owner makes takes one: `updateStatus` (`options.fence`), `beginStep`, `endStep`,
 * `appendEvent`, `updateUsage` and `saveCheckpoint` (the last argument). A store written before events,
 * usage and checkpoints took a fence still works (JavaScript drops the extra argument), but a superseded
 * owner's few last events may then land in the thread's log: `testThreadStore` checks all six.
 */
export interface Fence {
  readonly token: number;
}

/**
 * An owner's lease on a thread (the fenced lease of workers, issue 12). `token` grows by one with every
 * acquisition and never goes back, also across releases. Timestamps are ISO-8601 UTC, on the store's clock.
 */
export interface ThreadLease {
  readonly thread_id: string;
  /** Who holds it: a worker's name, or a process's `<pid>@<host or boot id>`. */
  readonly owner: string;
  readonly token: number;
  readonly expires_at: string;
}

export interface AcquireLeaseOptions {
  /** Who takes it (1–200 characters). */
  readonly owner: string;
  /** How long the lease holds without renewal, in milliseconds (a positive whole number). */
  readonly ttlMs: number;
}

/** One step's intent as written before the step runs (`request` and `requestHash` as the journal format says). */
export interface StepIntentRow {
  readonly seq: number;
  readonly format: number;
  readonly kind: string;
  readonly request: string;
  readonly requestHash: string;
}

/** A control request as its owner takes it (pause, resume, inject, terminate, kill …). */
export interface ControlRequest {
  readonly id: number;
  readonly thread_id: string;
  readonly action: string;
  readonly payload: Record<string, unknown>;
}

/** How applying a taken control request ended. */
export type ControlOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** A control request with where it stands: waiting, taken by the owner, applied, or failed (and why). */
export interface ControlRecord extends ControlRequest {
  readonly status: "pending" | "taken" | "done" | "failed";
  readonly requested_at: string;
  readonly handled_at: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A consistent copy of the store (or of one thread's subtree), as the export format carries it. */
export interface ThreadStoreSnapshot {
  readonly threads: ThreadRow[];
  readonly events: ThreadEvent[];
  readonly steps: RawJournalStep[];
}

/**
 * What the thread runtime needs from a thread store, whichever it is: the embedded SQLite
 * `ThreadRegistry` (one host) or `PostgresThreadStore` of `@kiwi/threads-postgres` (many hosts). Both
 * pass `testThreadStore` of `@kiwi/testing`.
 *
 * Threads, their statuses and usage; each thread's append-only event log (seq 1, 2, 3… without gaps, in
 * append order); the step journal (an intent written before the step runs, its outcome once after — a
 * recorded outcome never changes); two kinds of owner lease: the process lease of issue 11 (`claim`,
 * `heartbeat`, `markInterrupted`: pid, boot id, heartbeat) and the fenced lease of workers (`acquireLease`
 * …: an owner name and a token that fences out stale owners' writes); the controls queue (each request
 * taken once, its outcome reported back); checkpoints.
 *
 * Errors are KiwiErrors: ITEM_NOT_FOUND (unknown thread), THREAD_ID_COLLISION, THREAD_FINISHED,
 * THREAD_OWNED (a live owner holds it), LEASE_LOST (a fenced write or renewal by a superseded owner),
 * JOURNAL_CORRUPT (a second outcome for a step), INVALID_INPUT, REGISTRY_UNAVAILABLE (the store cannot be
 * reached; never with credentials in the message or context), REGISTRY_VERSION (written by a newer Kiwi).
 */
export interface ThreadStore {
  /** Where the store is, for messages: a file path, or a URL without user or password. */
  readonly location: string;
  /** The schema version of the open store. */
  readonly schemaVersion: number;

  // ── threads ──
  /** Adds a thread; THREAD_ID_COLLISION when the id is taken. */
  register(input: RegisterThreadInput): Awaitable<ThreadRow>;
  /**
   * Optional (a shared store): writes `input` over the row a submission registered for the process that
   * runs it now — a row of the same directive and parent, still `spawning` with no process — its status,
   * process, budget and transcript; its permission context is merged (the submission's keys first).
   * Such a row is one no runtime has taken yet (no budget, no transcript), `spawning`, or `running` /
   * `interrupted` as the queue's engine marked it. THREAD_ID_COLLISION when there is no such row.
   */
  takeRegistration?(input: RegisterThreadInput): Awaitable<ThreadRow>;
  get(threadId: string): Awaitable<ThreadRow | undefined>;
  /** Moves a thread to `status`; a terminal one is final (THREAD_FINISHED), repeating it is a no-op. */
  updateStatus(
    threadId: string,
    status: ThreadStatus,
    options?: UpdateStatusOptions & { readonly fence?: Fence },
  ): Awaitable<ThreadRow>;
  /** Replaces the thread's recorded usage. With a fence, LEASE_LOST for a stale owner (nothing written). */
  updateUsage(threadId: string, usage: Record<string, unknown>, fence?: Fence): Awaitable<ThreadRow>;
  /** Threads matching every filter, newest first. */
  query(filter?: ThreadQuery): Awaitable<ThreadRow[]>;
  /** A thread and its descendants, oldest first. */
  subtree(threadId: string): Awaitable<ThreadRow[]>;

  // ── events (the transcript any host can follow) ──
  /**
   * Appends an event; its seq is the thread's next (1, 2, 3…), also with several appenders at once. With a
   * fence, LEASE_LOST for a stale owner: no row, and no seq used up.
   */
  appendEvent(
    threadId: string,
    type: string,
    data: Record<string, unknown>,
    fence?: Fence,
  ): Awaitable<{ seq: number }>;
  /** Events after `afterSeq`, in seq order. */
  getEvents(threadId: string, query?: EventQuery): Awaitable<ThreadEvent[]>;
  /** Writes whatever the store still holds back (group-committed events). */
  flush(): Awaitable<void>;

  // ── the step journal ──
  /** Writes a step's intent (committed before it returns). With a fence, LEASE_LOST for a stale owner. */
  beginStep(threadId: string, step: StepIntentRow, fence?: Fence): Awaitable<void>;
  /** Writes a step's outcome, once: JOURNAL_CORRUPT for no intent or a second outcome. */
  endStep(threadId: string, seq: number, outcome: string, fence?: Fence): Awaitable<void>;
  /** A thread's journal rows in seq order, as stored. */
  steps(threadId: string): Awaitable<RawJournalStep[]>;

  // ── the process lease (issue 11) ──
  owner(threadId: string): Awaitable<ThreadOwner | undefined>;
  /** Takes an interrupted, parked, or owner-gone thread over for this process; exactly one claimer wins. */
  claim(threadId: string, options?: { isAlive?: IsAlive; leaseMs?: number }): Awaitable<ThreadRow>;
  /** Leaves a thread `paused` with no owner, for a person's decision. */
  park(threadId: string, reason: string): Awaitable<ThreadRow>;
  /** Renews this process's lease on the threads it runs. */
  heartbeat(threadIds: readonly string[]): Awaitable<void>;
  /** Marks `interrupted` every active thread whose owner is gone; their ids. */
  markInterrupted(isAlive?: IsAlive, options?: { leaseMs?: number }): Awaitable<string[]>;

  // ── the fenced lease (issue 12) ──
  /**
   * Takes a thread's lease for `owner`: free, expired, released, or held by the same owner. A new token
   * every time. THREAD_OWNED while another owner's lease holds, THREAD_FINISHED for a finished thread.
   */
  acquireLease(threadId: string, options: AcquireLeaseOptions): Awaitable<ThreadLease>;
  /** Extends a lease still held (same token); LEASE_LOST once another owner acquired it. */
  renewLease(lease: ThreadLease, options?: { ttlMs?: number }): Awaitable<ThreadLease>;
  /** Gives a lease up (the token stays; the next acquisition gets a larger one). Nothing when already lost. */
  releaseLease(lease: ThreadLease): Awaitable<void>;
  /** The thread's current lease, held or expired; undefined when it never had one or it was released. */
  lease(threadId: string): Awaitable<ThreadLease | undefined>;

  // ── controls ──
  /** Queues a control request for the thread's owner; ITEM_NOT_FOUND for an unknown thread. */
  requestControl(
    threadId: string,
    action: string,
    payload?: Record<string, unknown>,
  ): Awaitable<{ id: number }>;
  /** Takes the pending requests of these threads, oldest first: each request is taken exactly once. */
  takeControls(threadIds: readonly string[]): Awaitable<ControlRequest[]>;
  /** Reports how applying a taken request ended (once; ITEM_NOT_FOUND for an unknown id). */
  finishControl(id: number, outcome: ControlOutcome): Awaitable<void>;
  /** A control request and where it stands. */
  control(id: number): Awaitable<ControlRecord | undefined>;

  // ── checkpoints and export ──
  /** Saves a run state (seq 1, 2, 3… per thread). With a fence, LEASE_LOST for a stale owner. */
  saveCheckpoint(threadId: string, input: CheckpointInput, fence?: Fence): Awaitable<Checkpoint>;
  latestCheckpoint(threadId: string): Awaitable<Checkpoint | undefined>;
  snapshot(options?: { readonly threadId?: string }): Awaitable<ThreadStoreSnapshot>;

  /** Writes what is held back and releases the store; calling it again does nothing. */
  close(): Awaitable<void>;
}
