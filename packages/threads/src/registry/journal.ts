import { createHash } from "node:crypto";
import { KiwiError } from "@kiwi/spec";
import { isPromise } from "../store/awaitable";
import type { Awaitable, Fence, StepIntentRow, ThreadStore } from "../store/thread-store";
import { canonicalJson } from "./canonical-json";
import type { RawJournalStep, ThreadRegistry } from "./thread-registry";

/**
 * The step journal's format (`thread_steps.format` of every row). A row of a newer format is refused
 * (JOURNAL_VERSION) rather than guessed at. Documented beside the transcript format in the README.
 */
export const JOURNAL_FORMAT_VERSION = 1;

/**
 * Step kinds whose request is stored as a digest only (the whole request is large and repeats the
 * conversation): a model call, and a context compaction's summarizing call.
 */
const DIGEST_ONLY = new Set(["model", "compaction"]);

/**
 * Step kinds that only read (the supervisor's answer at a turn boundary, a tool's description, the
 * system prompt, the clock, randomness): nothing happens while they run that a replay could do twice, so
 * their intent is not written before they run — a step that never ended is asked again on resume either
 * way. Intent and outcome are written as one row when the step ends (its outcome is on disk before
 * anything derived from it), or the intent alone before any later step's row, so the journal never has
 * a gap.
 */
const READ_KINDS = new Set(["turn", "describe_tool", "system_prompt", "clock", "random"]);

/** A read step's intent, written with its outcome (or before a later step's row). */
interface DeferredIntent {
  readonly seq: number;
  readonly format: number;
  readonly kind: string;
  readonly request: string;
  readonly requestHash: string;
  readonly startedAt: string;
}

/** A step as the runtime's step boundary shows it (structurally `StepIntent` of @kiwi/kiwi-harness). */
export interface JournalIntent {
  readonly seq: number;
  readonly kind: string;
  readonly request: unknown;
}

/** How a step ended (structurally `StepOutcome` of @kiwi/kiwi-harness). */
export type JournalOutcome = (
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: unknown }
) & {
  /** Decided now (a person's `skip`), not recorded before: what follows from it is new, not a replay. */
  readonly decided?: true;
};

/** One journal row, parsed. */
export interface JournalStep {
  readonly seq: number;
  readonly format: number;
  readonly kind: string;
  /** The request as stored: the whole request, or for a model call a summary (`request_hash` decides). */
  readonly request: unknown;
  readonly request_hash: string;
  /** Absent while the step has an intent and no result (it was in flight when its owner died). */
  readonly outcome?: JournalOutcome;
  readonly started_at: string;
  readonly ended_at: string | null;
}

/** sha256 (base64url) of a text. */
function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** sha256 (base64url) of a request's canonical JSON. */
export function requestHash(request: unknown): string {
  return sha256(canonicalJson(request ?? null));
}

/** True when the fields storedRequest reads are the same in `request` as in its canonical JSON parsed again. */
function plainSummaryFields(request: unknown): boolean {
  if (!request || typeof request !== "object" || Array.isArray(request)) return false;
  const r = request as Record<string, unknown>;
  const plain = (v: unknown) =>
    v == null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
  const list = (v: unknown) => v === undefined || Array.isArray(v);
  return (
    Object.getPrototypeOf(r) === Object.prototype &&
    typeof r.toJSON !== "function" &&
    plain(r.model) &&
    plain(r.max_tokens) &&
    list(r.messages) &&
    list(r.tools)
  );
}

function storedRequest(kind: string, request: unknown): unknown {
  if (!DIGEST_ONLY.has(kind)) return request ?? null;
  const r = (request ?? {}) as { model?: unknown; max_tokens?: unknown; messages?: unknown; tools?: unknown };
  return {
    model: r.model ?? null,
    max_tokens: r.max_tokens ?? null,
    messages: Array.isArray(r.messages) ? r.messages.length : 0,
    tools: Array.isArray(r.tools) ? r.tools.length : 0,
  };
}

/** An error as the journal keeps it (a KiwiError's code, message, context and retryable; else name and message). */
function errorRecord(error: unknown): Record<string, unknown> {
  if (KiwiError.isInstance(error)) {
    return {
      code: error.code,
      message: error.message,
      context: JSON.parse(JSON.stringify(error.context ?? {})),
      retryable: error.retryable,
    };
  }
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof e?.name === "string" ? e.name : "Error",
    message: typeof e?.message === "string" ? e.message : String(error),
    ...(typeof e?.code === "string" ? { code: e.code } : {}),
  };
}

/** The error a replayed failed step throws again. */
function errorOf(record: Record<string, unknown>): Error {
  const message = typeof record.message === "string" ? record.message : "a step failed";
  if (typeof record.code === "string" && record.name === undefined) {
    return new KiwiError({
      code: record.code,
      message,
      context: (record.context as Record<string, unknown>) ?? {},
      retryable: record.retryable === true,
    });
  }
  const error = new Error(message);
  if (typeof record.name === "string") error.name = record.name;
  if (typeof record.code === "string") (error as Error & { code: string }).code = record.code;
  return error;
}

function corrupt(threadId: string, seq: number, what: string): KiwiError {
  return new KiwiError({
    code: "JOURNAL_CORRUPT",
    message: `the step journal of thread ${JSON.stringify(threadId)} is corrupt at step ${seq} (${what}): it cannot be replayed, so the thread is not resumed; nothing was changed (export it with kiwi threads export, and spawn a new thread)`,
    context: { thread_id: threadId, seq, problem: what },
  });
}

function parseJson(threadId: string, seq: number, field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(threadId, seq, `${field} is not JSON`);
  }
}

/**
 * A thread's journal rows, parsed and checked: JOURNAL_VERSION for a row of a newer format,
 * JOURNAL_CORRUPT for anything unreadable (a gap in the seqs, JSON that does not parse, an outcome that
 * is not `{ok, result|error}`). Nothing is rewritten.
 */
export function readJournal(registry: ThreadRegistry, threadId: string): JournalStep[] {
  return parseSteps(threadId, registry.steps(threadId));
}

export function parseSteps(threadId: string, rows: readonly RawJournalStep[]): JournalStep[] {
  const out: JournalStep[] = [];
  // Step 0 (the run's input) is there for threads the runtime spawned; steps count 1, 2, 3… without gaps.
  let expected = rows[0]?.seq === 0 ? 0 : 1;
  for (const row of rows) {
    if (!Number.isInteger(row.format) || row.format < 1) corruptThrow(threadId, row.seq, "no format");
    if (row.format > JOURNAL_FORMAT_VERSION) {
      throw new KiwiError({
        code: "JOURNAL_VERSION",
        message: `the step journal of thread ${JSON.stringify(threadId)} has format ${row.format}, newer than the ${JOURNAL_FORMAT_VERSION} this Kiwi reads: upgrade Kiwi to resume it (nothing was changed)`,
        context: { thread_id: threadId, seq: row.seq, found: row.format, supported: JOURNAL_FORMAT_VERSION },
      });
    }
    if (row.seq !== expected) corruptThrow(threadId, row.seq, `expected step ${expected}`);
    expected += 1;
    if (typeof row.kind !== "string" || row.kind.length === 0) corruptThrow(threadId, row.seq, "no kind");
    if (typeof row.request_hash !== "string" || row.request_hash.length === 0)
      corruptThrow(threadId, row.seq, "no request hash");
    const request = parseJson(threadId, row.seq, "request", row.request);
    let outcome: JournalOutcome | undefined;
    if (row.outcome !== null) {
      const o = parseJson(threadId, row.seq, "outcome", row.outcome) as Record<string, unknown> | null;
      if (!o || typeof o !== "object" || typeof o.ok !== "boolean")
        corruptThrow(threadId, row.seq, "outcome is not {ok, …}");
      if (o!.ok) outcome = { ok: true, result: o!.result };
      else {
        if (!o!.error || typeof o!.error !== "object")
          corruptThrow(threadId, row.seq, "a failed outcome has no error");
        outcome = { ok: false, error: o!.error };
      }
    }
    out.push({
      seq: row.seq,
      format: row.format,
      kind: row.kind,
      request,
      request_hash: row.request_hash,
      ...(outcome ? { outcome } : {}),
      started_at: row.started_at,
      ended_at: row.ended_at,
    });
  }
  return out;
}

function corruptThrow(threadId: string, seq: number, what: string): never {
  throw corrupt(threadId, seq, what);
}

/**
 * What happens to a step whose intent was recorded without a result (it was in flight when its owner
 * died): run it again, give it STEP_SKIPPED, refuse, or give it a result the runtime established itself
 * (`{result}`: a spawn whose child is found in the registry gets that child, not a second one).
 */
export type PendingDecision = "rerun" | "skip" | "stop" | { readonly result: unknown };

/**
 * The input of a thread's run, journaled as step 0 so a resume in place runs the same thing. The thread
 * runtime also keeps here `trace_context` (`{traceparent, tracestate?}`, W3C): the thread's OpenTelemetry
 * span, which a resume — in any process or worker — continues.
 */
export interface JournalStart {
  readonly [key: string]: unknown;
  readonly trace_context?: { readonly traceparent: string; readonly tracestate?: string };
}

export interface ThreadJournalOptions {
  /**
   * Applied to every request and outcome before it is hashed and stored (the thread manager's secret
   * redactor: the journal is on disk like the transcript). A replayed result then carries `[REDACTED]`
   * where a secret was, and a replayed request is hashed the same way, so the checks still match.
   */
  readonly redact?: (text: string) => string;
  /**
   * A step whose intent is recorded without a result: run it again (`rerun`), give it the `STEP_SKIPPED`
   * result (`skip`) or a result established now (`{result}`), or refuse (`stop`, NEEDS_RECONCILIATION).
   * Default: rerun every kind but `tool`.
   */
  readonly pending?: (step: JournalStep) => PendingDecision;
  /**
   * The lease token the journal's writes are made under (the thread's owner on a worker): a superseded
   * owner's write is refused with LEASE_LOST. Asked at each write (the token changes on a takeover).
   */
  readonly fence?: () => Fence | undefined;
  /**
   * Called once with the first error a write on an asynchronous store met (LEASE_LOST for a superseded
   * owner): the thread manager stops the run. Every later step then fails with the same error.
   */
  readonly onWriteError?: (error: unknown) => void;
}

/** The result a tool call whose effect is unknown gets when a person chose not to run it again. */
export function skippedResult(step: JournalStep): Record<string, unknown> {
  return {
    success: false,
    error: {
      code: "STEP_SKIPPED",
      message:
        "this call was in flight when the thread's process died; a person chose not to run it again, so whether it took effect is unknown: check before relying on it",
      retryable: false,
      step: step.seq,
    },
  };
}

/**
 * A thread's step journal in its thread store (the embedded registry's `thread_steps`, or a server
 * store's; writes on an asynchronous store go through one ordered chain): `begin` writes each
 * step's intent before it runs and `end` its outcome after. Opened on a thread that already has steps
 * (a resume in place), `begin` hands back each recorded outcome in turn — the step is not run again —
 * after checking that the replay asks for the same step (kind and request hash; JOURNAL_DIVERGED
 * otherwise). A step recorded without a result goes to `pending`. Structurally a `StepJournal` of
 * @kiwi/kiwi-harness.
 */
export class ThreadJournal {
  readonly threadId: string;
  readonly #store: ThreadStore;
  readonly #fence: () => Fence | undefined;
  readonly #onWriteError: ((error: unknown) => void) | undefined;
  /** Writes still being committed on an asynchronous store, in order (undefined: none, or a sync store). */
  #tail: Promise<void> | undefined;
  /** The first failed write on an asynchronous store: every later step fails with it. */
  #failure: unknown;
  readonly #recorded: Map<number, JournalStep>;
  readonly #pending: (step: JournalStep) => PendingDecision;
  readonly #redact: (text: string) => string;
  /** Read steps begun and not yet written, by seq. */
  readonly #deferred = new Map<number, DeferredIntent>();
  /** The run's input (step 0), when one was recorded. */
  readonly start: JournalStart | undefined;

  private constructor(
    store: ThreadStore,
    threadId: string,
    steps: JournalStep[],
    options: ThreadJournalOptions,
  ) {
    this.#store = store;
    this.#fence = options.fence ?? (() => undefined);
    this.#onWriteError = options.onWriteError;
    this.threadId = threadId;
    this.#recorded = new Map(steps.map((s) => [s.seq, s]));
    const first = this.#recorded.get(0);
    this.start = first?.outcome?.ok ? (first.outcome.result as JournalStart) : undefined;
    this.#pending =
      options.pending ?? ((step) => (step.kind === "tool" ? "stop" : ("rerun" as PendingDecision)));
    this.#redact = options.redact ?? ((t) => t);
  }

  /**
   * Opens the journal of a registered thread, reading (and checking) what it already holds: at once on the
   * embedded registry, with a promise on an asynchronous store.
   */
  static open(registry: ThreadRegistry, threadId: string, options?: ThreadJournalOptions): ThreadJournal;
  static open(store: ThreadStore, threadId: string, options?: ThreadJournalOptions): Awaitable<ThreadJournal>;
  static open(
    store: ThreadStore,
    threadId: string,
    options: ThreadJournalOptions = {},
  ): Awaitable<ThreadJournal> {
    const rows = store.steps(threadId);
    if (isPromise(rows))
      return rows.then((r) => new ThreadJournal(store, threadId, parseSteps(threadId, r), options));
    return new ThreadJournal(store, threadId, parseSteps(threadId, rows), options);
  }

  /** The journal of a thread registered just now (nothing recorded yet): nothing is read. */
  static fresh(store: ThreadStore, threadId: string, options: ThreadJournalOptions = {}): ThreadJournal {
    return new ThreadJournal(store, threadId, [], options);
  }

  /**
   * Runs a write after the ones still being committed. On a synchronous store it runs now and returns
   * nothing (its error is thrown, as before); on an asynchronous one it returns the promise of its commit.
   * After a failed asynchronous write nothing more is written: every later write fails with that error.
   */
  #chain(write: () => Awaitable<unknown>): Awaitable<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    let next: Promise<unknown>;
    if (this.#tail === undefined) {
      const r = write();
      if (!isPromise(r)) return;
      next = r;
    } else
      next = this.#tail.then(() => {
        if (this.#failure !== undefined) throw this.#failure;
        return write();
      });
    const mine: Promise<void> = next.then(
      () => {
        if (this.#tail === settled) this.#tail = undefined;
      },
      (error: unknown) => {
        if (this.#failure === undefined) {
          this.#failure = error;
          this.#onWriteError?.(error);
        }
        if (this.#tail === settled) this.#tail = undefined;
        throw error;
      },
    );
    const settled = mine.catch(() => undefined);
    this.#tail = settled;
    return mine;
  }

  /** Waits for every write queued so far (an asynchronous store); rejects with the first failure. */
  settled(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return (this.#tail ?? Promise.resolve()).then(() => {
      if (this.#failure !== undefined) throw this.#failure;
    });
  }

  /** A queued write whose promise nobody awaits (its failure is kept and reported by the next step). */
  #queue(write: () => Awaitable<unknown>): void {
    const r = this.#chain(write);
    if (isPromise(r)) r.catch(() => undefined);
  }

  /** Steps recorded when the journal was opened (step 0, the run's input, excluded). */
  get recordedSteps(): number {
    return [...this.#recorded.keys()].filter((seq) => seq > 0).length;
  }

  /** Recorded steps without a result (in flight when the owner died). */
  pendingSteps(): JournalStep[] {
    return [...this.#recorded.values()].filter((s) => s.seq > 0 && !s.outcome);
  }

  /** Records the run's input as step 0 (a new thread; a resumed one keeps its own). */
  recordStart(start: JournalStart): Awaitable<void> {
    if (this.#recorded.has(0)) return;
    const request = { kind: "start" };
    const row: StepIntentRow = {
      seq: 0,
      format: JOURNAL_FORMAT_VERSION,
      kind: "start",
      request: canonicalJson(request),
      requestHash: requestHash(request),
    };
    this.#recorded.set(0, {
      seq: 0,
      format: JOURNAL_FORMAT_VERSION,
      kind: "start",
      request,
      request_hash: row.requestHash,
      outcome: { ok: true, result: start },
      started_at: "",
      ended_at: null,
    });
    const outcome = this.#redact(canonicalJson({ ok: true, result: start }));
    // Nothing happens between the input's intent and its outcome: the embedded registry writes them as one
    // row (one commit on the spawn path); another store, one after the other.
    const registry = this.#store as Partial<Pick<ThreadRegistry, "recordStep">>;
    if (typeof registry.recordStep === "function") {
      const begun = { ...row, startedAt: this.#startedAt() };
      return this.#chain(() => registry.recordStep!(this.threadId, begun, outcome, this.#fence()));
    }
    this.#queue(() => this.#store.beginStep(this.threadId, row, this.#fence()));
    return this.#chain(() => this.#store.endStep(this.threadId, 0, outcome, this.#fence()));
  }

  /**
   * The request as stored and hashed: redacted. `text` is its canonical JSON and `hash` that text's
   * digest, computed once: without a secret in it the redacted text is the canonical text itself (the
   * canonical JSON of parsed canonical JSON is the same text), so it is neither parsed nor written again.
   */
  #request(raw: unknown): { request: unknown; text: string; hash: string } {
    const canonical = canonicalJson(raw ?? null);
    const redacted = this.#redact(canonical);
    if (redacted === canonical) {
      return {
        // A model request's summary reads plain fields and two lengths: the request as given has the
        // same ones as its parsed JSON when they are plain values (the runtime's always are).
        get request() {
          return plainSummaryFields(raw) ? raw : (JSON.parse(canonical) as unknown);
        },
        text: canonical,
        hash: sha256(canonical),
      };
    }
    const request = JSON.parse(redacted) as unknown;
    const text = canonicalJson(request ?? null);
    return { request, text, hash: sha256(text) };
  }

  begin(intent: JournalIntent): JournalOutcome | undefined | Promise<JournalOutcome | undefined> {
    const asked = this.#request(intent.request);
    const hash = asked.hash;
    const recorded = this.#recorded.get(intent.seq);
    if (recorded) {
      if (recorded.kind !== intent.kind || recorded.request_hash !== hash) {
        throw new KiwiError({
          code: "JOURNAL_DIVERGED",
          message: `thread ${JSON.stringify(this.threadId)} diverged from its journal at step ${intent.seq}: the replay asks for a ${intent.kind} step${recorded.kind === intent.kind ? " with another request" : ""} where a ${recorded.kind} step was recorded (was the directive, a tool or the harness changed?). Nothing more runs; spawn a new thread (or resume_from a checkpoint)`,
          context: {
            thread_id: this.threadId,
            seq: intent.seq,
            recorded_kind: recorded.kind,
            asked_kind: intent.kind,
            recorded_request: recorded.request,
            asked_request: storedRequest(intent.kind, asked.request),
          },
        });
      }
      if (recorded.outcome) return replayed(recorded.outcome);
      const decision = this.#pending(recorded);
      if (decision === "rerun") return undefined;
      if (decision === "skip" || typeof decision === "object") {
        const result = decision === "skip" ? skippedResult(recorded) : decision.result;
        const outcome: JournalOutcome = { ok: true, result };
        const text = this.#redact(JSON.stringify(outcome));
        this.#recorded.set(intent.seq, { ...recorded, outcome });
        const written = this.#chain(() =>
          this.#store.endStep(this.threadId, intent.seq, text, this.#fence()),
        );
        const decided = { ...outcome, decided: true as const };
        return isPromise(written) ? written.then(() => decided) : decided;
      }
      throw new KiwiError({
        code: "NEEDS_RECONCILIATION",
        message: `step ${intent.seq} of thread ${JSON.stringify(this.threadId)} (${intent.kind}) was in flight when its owner died and may have taken effect: a person decides (kiwi threads resume ${this.threadId} --rerun, or --skip)`,
        context: { thread_id: this.threadId, seq: intent.seq, kind: intent.kind, request: recorded.request },
      });
    }
    const row = {
      seq: intent.seq,
      format: JOURNAL_FORMAT_VERSION,
      kind: intent.kind,
      request: DIGEST_ONLY.has(intent.kind)
        ? canonicalJson(storedRequest(intent.kind, asked.request))
        : asked.text,
      requestHash: hash,
    };
    if (READ_KINDS.has(intent.kind)) {
      this.#deferred.set(intent.seq, { ...row, startedAt: this.#startedAt() });
      // A failed earlier write stops the run at its next step, read or not.
      if (this.#failure !== undefined) throw this.#failure;
      return undefined;
    }
    this.#writeDeferred(intent.seq);
    // Committed before the step runs (awaited by the step runner on an asynchronous store).
    const written = this.#chain(() => this.#store.beginStep(this.threadId, row, this.#fence()));
    return isPromise(written) ? written.then(() => undefined) : undefined;
  }

  /** When a read step began: the registry's clock (its rows' format); a server store stamps its own rows. */
  #startedAt(): string {
    const registry = this.#store as Partial<Pick<ThreadRegistry, "timestamp">>;
    return typeof registry.timestamp === "function" ? registry.timestamp() : new Date().toISOString();
  }

  /** Writes the intents of read steps still running that began before step `seq`, oldest first. */
  #writeDeferred(seq: number): void {
    if (this.#deferred.size === 0) return;
    for (const d of [...this.#deferred.values()].sort((a, b) => a.seq - b.seq)) {
      if (d.seq >= seq) break;
      this.#deferred.delete(d.seq);
      this.#queue(() => this.#store.beginStep(this.threadId, d, this.#fence()));
    }
  }

  end(intent: JournalIntent, outcome: JournalOutcome): Awaitable<void> {
    const stored = outcome.ok
      ? { ok: true, result: outcome.result === undefined ? null : outcome.result }
      : { ok: false, error: errorRecord(outcome.error) };
    // Plain JSON, not canonical: key order is kept, so a harness that prints a result gets the same text.
    const text = this.#redact(JSON.stringify(stored));
    const deferred = this.#deferred.get(intent.seq);
    this.#recorded.delete(intent.seq);
    if (deferred) {
      this.#deferred.delete(intent.seq);
      this.#writeDeferred(intent.seq);
      const registry = this.#store as Partial<Pick<ThreadRegistry, "recordStep">>;
      // The embedded registry writes intent and outcome as one row; another store, one after the other.
      if (typeof registry.recordStep === "function")
        return this.#chain(() => registry.recordStep!(this.threadId, deferred, text, this.#fence()));
      this.#queue(() => this.#store.beginStep(this.threadId, deferred, this.#fence()));
    }
    return this.#chain(() => this.#store.endStep(this.threadId, intent.seq, text, this.#fence()));
  }
}

/** A recorded outcome as the step hands it back: a fresh copy, a failure as an Error again. */
function replayed(outcome: JournalOutcome): JournalOutcome {
  if (outcome.ok) return { ok: true, result: structuredClone(outcome.result) };
  return { ok: false, error: errorOf(outcome.error as Record<string, unknown>) };
}
