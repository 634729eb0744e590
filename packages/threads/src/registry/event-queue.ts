/** An event accepted by appendEvent and not yet written: `data` is already JSON text. */
export interface QueuedEvent {
  readonly thread_id: string;
  readonly seq: number;
  readonly ts: string;
  readonly type: string;
  readonly data: string;
}

export interface EventQueueOptions {
  /** Rows that trigger a write at once instead of at the next setImmediate. */
  readonly batchSize: number;
  /** Writes the rows in one transaction, or throws (nothing written). */
  readonly write: (rows: readonly QueuedEvent[]) => void;
  /** Told about a background write that failed for good; the rows stay queued. */
  readonly onError: (err: unknown) => void;
  /** True when the writer has state of its own to commit with the rows (a write happens without rows too). */
  readonly pending?: () => boolean;
}

/** Background retries of a busy database before onError is told (each also waits out busy_timeout). */
export const MAX_BACKGROUND_RETRIES = 6;
const BACKOFF_MS = 10;
/** Attempts of a synchronous flush (flush, close, reads) before it throws. */
const SYNC_ATTEMPTS = 3;

/** True for SQLite errors a later attempt may not meet: another connection holds the lock. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** Blocks the thread for `ms` (used only between synchronous retries). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Group commit for event rows: rows queue in memory and are written together in one transaction when
 * the queue reaches batchSize or at the next setImmediate, whichever comes first. A busy database is
 * retried with backoff; a row leaves the queue only once its transaction committed.
 */
export class EventQueue {
  #rows: QueuedEvent[] = [];
  #immediate: NodeJS.Immediate | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;

  constructor(private readonly options: EventQueueOptions) {}

  /** Rows waiting to be written. */
  get size(): number {
    return this.#rows.length;
  }

  push(row: QueuedEvent): void {
    this.#rows.push(row);
    this.schedule();
  }

  /** Makes sure a write happens soon (the writer's own `pending` state, or the rows queued). */
  schedule(): void {
    // While a retry waits out its backoff, more rows only join the queue: the retry writes them.
    if (this.#retry) return;
    if (this.#rows.length >= this.options.batchSize) {
      this.#background();
    } else if (!this.#immediate) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        this.#background();
      });
    }
  }

  /** Writes everything queued now; throws the database error (rows kept) after a few busy retries. */
  flush(): void {
    this.#cancelTimers();
    for (let attempt = 1; ; attempt++) {
      const err = this.#writeAll();
      if (err === undefined) return;
      if (!isBusy(err) || attempt >= SYNC_ATTEMPTS) throw err;
      sleepSync(BACKOFF_MS * 2 ** attempt);
    }
  }

  /** Stops pending background writes (the rows stay queued). */
  cancel(): void {
    this.#cancelTimers();
  }

  #background(): void {
    const err = this.#writeAll();
    if (err === undefined) return;
    if (isBusy(err) && this.#attempt < MAX_BACKGROUND_RETRIES) {
      const delay = BACKOFF_MS * 2 ** this.#attempt++ * (0.5 + Math.random());
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#background();
      }, delay);
      return;
    }
    // Given up for now: the rows stay queued for the next append, flush or close.
    this.#attempt = 0;
    this.options.onError(err);
  }

  /** One attempt at writing the whole queue: undefined on success, else the error. */
  #writeAll(): unknown {
    if (this.#rows.length === 0 && !this.options.pending?.()) return undefined;
    try {
      this.options.write(this.#rows);
    } catch (err) {
      return err;
    }
    this.#rows = [];
    this.#attempt = 0;
    return undefined;
  }

  #cancelTimers(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#retry) clearTimeout(this.#retry);
    this.#immediate = undefined;
    this.#retry = undefined;
    this.#attempt = 0;
  }
}
