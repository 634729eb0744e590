// The thread body `kiwi worker` runs for a queued directive (`kiwi thread run … --store`): the thread runs
// on the worker's thread runtime (its kernel on --project, its provider), under the id the submission
// gave it; its events, statuses, usage and end go to the shared store, where any host follows it.
//
// Until the runtime runs on any ThreadStore (issue 12's async store work), the runtime's own registry and
// step journal are the project's SQLite file: a thread taken over by a worker on the same project resumes
// in place from that journal (each recorded tool call once); one taken over on another host starts again.
import type { ThreadRuntime } from "@kiwi/kiwi-harness";
import { KiwiError } from "@kiwi/spec";
import { isTerminal, type ThreadStatus, type ThreadStore } from "@kiwi/threads";
import type { ThreadStepContext } from "@kiwi/threads-postgres/engine";

/** The body's name on every worker (what `kiwi thread run --store` queues). */
export const DIRECTIVE_BODY = "kiwi.directive";

/** What a submission queues: the directive and its run's input. */
export interface DirectiveInput {
  readonly directive: string;
  readonly message?: string;
  readonly inputs?: Record<string, unknown>;
  readonly harness?: string;
}

/** How a thread on this worker ended, as the engine records it (ThreadBodyEnd). */
export interface DirectiveEnd {
  readonly thread_status: ThreadStatus;
  readonly thread_reason: string | null;
  readonly final_text?: string;
}

/** The threads of one worker process: the runtime they run on and the store they report to. */
export class DirectiveThreads {
  readonly #runtime: ThreadRuntime;
  readonly #store: ThreadStore;
  /** The step context of each thread running here (its fenced status writes). */
  readonly #contexts = new Map<string, ThreadStepContext>();
  /** Each thread's event appends, in order (one chain per thread). */
  readonly #appends = new Map<string, Promise<unknown>>();

  constructor(runtime: ThreadRuntime, store: ThreadStore) {
    this.#runtime = runtime;
    this.#store = store;
    runtime.manager.watch((change) => {
      const ctx = this.#contexts.get(change.threadId);
      // The end is recorded by the engine from the body's result; passing statuses are mirrored here.
      if (ctx && !isTerminal(change.status) && change.status !== "interrupted")
        void ctx.status(change.status, change.reason ?? null).catch(() => undefined);
    });
  }

  /** Mirrors one of the runtime's live events to the store (runtime `onEvent`). */
  event(threadId: string, event: { readonly type: string } & Record<string, unknown>): void {
    const { type, ...fields } = event;
    this.#append(threadId, type, fields);
  }

  #append(threadId: string, type: string, data: Record<string, unknown>): void {
    const previous = this.#appends.get(threadId) ?? Promise.resolve();
    const next = previous.then(() =>
      Promise.resolve(
        this.#store.appendEvent(
          threadId,
          type,
          jsonSafe(data, (t) => this.#runtime.manager.redact(t)),
        ),
      ).catch(() => undefined),
    );
    this.#appends.set(threadId, next);
  }

  /** Runs a queued directive's thread here until it ends (the engine's body). */
  async run(ctx: ThreadStepContext, input: DirectiveInput): Promise<DirectiveEnd> {
    const id = ctx.threadId;
    const { manager } = this.#runtime;
    this.#contexts.set(id, ctx);
    const onAbort = () => {
      // Cancelled (kill from any host) — a lost lease means another worker runs it now: leave it be.
      const code = (ctx.signal.reason as { code?: unknown } | undefined)?.code;
      if (code !== "LEASE_LOST") {
        try {
          manager.kill(id);
        } catch {
          // ended meanwhile
        }
      }
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      this.#append(id, "worker", { worker: ctx.owner, action: "took" });
      const local = manager.registry.get(id);
      if (local && !isTerminal(local.status)) {
        // Run here before (this project): resume in place from its journal.
        const resumed = await this.#runtime.resume(id);
        if (resumed.status === "paused")
          return { thread_status: "error", thread_reason: "needs_reconciliation" };
      } else if (local) {
        return { thread_status: local.status, thread_reason: local.reason };
      } else {
        await this.#runtime.spawn({
          threadId: id,
          directive: input.directive,
          ...(input.message ? { message: input.message } : {}),
          inputs: input.inputs ?? {},
          ...(input.harness ? { harness: input.harness } : {}),
        });
      }
      await manager.done(id);
      const row = manager.registry.get(id);
      if (!row)
        throw new KiwiError({
          code: "INTERNAL_ERROR",
          message: `thread ${id} vanished from the runtime`,
          context: {},
        });
      if (row.usage) await this.#store.updateUsage(id, row.usage);
      await this.#appends.get(id);
      const last = manager.readTranscript(id, 4).events.find((e) => e.type === "completed");
      return {
        thread_status: row.status,
        thread_reason: row.reason,
        ...(typeof last?.final_text === "string" ? { final_text: last.final_text } : {}),
      };
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      await this.#appends.get(id);
      this.#appends.delete(id);
      this.#contexts.delete(id);
    }
  }

  /**
   * Applies the control requests queued in the store for the threads running here (pause, resume,
   * inject_message, terminate, kill) and reports how each ended to its requester.
   */
  async applyControls(threadIds: readonly string[]): Promise<number> {
    if (threadIds.length === 0) return 0;
    const requests = await this.#store.takeControls(threadIds);
    const { manager } = this.#runtime;
    for (const r of requests) {
      const p = r.payload as { message?: unknown; immediate?: unknown };
      const message = typeof p.message === "string" ? p.message : undefined;
      try {
        if (r.action === "pause") manager.pause(r.thread_id);
        else if (r.action === "resume") manager.resume(r.thread_id, message !== undefined ? { message } : {});
        else if (r.action === "inject_message") {
          if (!message)
            throw new KiwiError({ code: "INVALID_INPUT", message: "inject needs a message", context: {} });
          manager.inject(r.thread_id, message);
        } else if (r.action === "terminate")
          manager.terminate(r.thread_id, { immediate: p.immediate === true });
        else if (r.action === "kill") manager.kill(r.thread_id);
        else
          throw new KiwiError({
            code: "UNKNOWN_ACTION",
            message: `unknown control action ${JSON.stringify(r.action)}`,
            context: { action: r.action },
          });
        await this.#store.finishControl(r.id, { ok: true });
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown };
        await this.#store.finishControl(r.id, {
          ok: false,
          error: {
            code: typeof e.code === "string" ? e.code : "INTERNAL_ERROR",
            message: typeof e.message === "string" ? e.message : String(error),
          },
        });
      }
    }
    return requests.length;
  }
}

/** An event's fields as JSON (harness events may carry undefined or class instances), secrets redacted. */
function jsonSafe(data: Record<string, unknown>, redact: (text: string) => string): Record<string, unknown> {
  return JSON.parse(redact(JSON.stringify(data))) as Record<string, unknown>;
}
