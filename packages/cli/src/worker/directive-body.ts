// The thread body `kiwi worker` runs for a queued directive (`kiwi thread run … --store`): the thread runs
// on the worker's thread runtime, which runs on the shared store itself — its row (the one the submission
// registered), events, statuses, usage, budget tree and step journal are in PostgreSQL, its writes fenced
// by the one lease the engine took when it dequeued the thread. A thread taken over by a worker on any
// host resumes in place from the store's journal (each recorded tool call once); a worker that lost the
// thread's lease (stopped past it, handed back) stops and records nothing more. Controls queued in the
// store (pause, resume, inject, terminate, kill) are applied by the runtime's manager, which polls them.
import type { StoredTraceContext, ThreadRuntime } from "@kiwi/kiwi-harness";
import { KiwiError } from "@kiwi/spec";
import { isTerminal, type ThreadStatus } from "@kiwi/threads";
import type { ThreadStepContext } from "@kiwi/threads-postgres/engine";

/** The body's name on every worker (what `kiwi thread run --store` queues). */
export const DIRECTIVE_BODY = "kiwi.directive";

/** What a submission queues: the directive and its run's input. */
export interface DirectiveInput {
  readonly directive: string;
  readonly message?: string;
  readonly inputs?: Record<string, unknown>;
  readonly harness?: string;
  /** A child queued by a parent on a worker: its parent's grants, signed for it (verified here). */
  readonly parent_grant?: string;
  /** The submitter's W3C trace context (a `thread run --detach`, a spawning parent): the thread's span continues it. */
  readonly trace_context?: StoredTraceContext;
}

/** How a thread on this worker ended, as the engine records it (ThreadBodyEnd). */
export interface DirectiveEnd {
  readonly thread_status: ThreadStatus;
  readonly thread_reason: string | null;
  readonly final_text?: string;
}

/** The threads of one worker process, run on its runtime (whose store is the shared one). */
export class DirectiveThreads {
  readonly #runtime: ThreadRuntime;

  constructor(runtime: ThreadRuntime) {
    this.#runtime = runtime;
  }

  /** Runs a queued directive's thread here until it ends (the engine's body). */
  async run(ctx: ThreadStepContext, input: DirectiveInput): Promise<DirectiveEnd> {
    const id = ctx.threadId;
    const { manager } = this.#runtime;
    const store = manager.store;
    const onAbort = () => {
      const reason = ctx.signal.reason as { code?: unknown } | undefined;
      try {
        // A lost lease (another worker runs it now, or this one handed it back): stop, write nothing more.
        if (reason?.code === "LEASE_LOST") manager.writeFailed(id, reason);
        else manager.kill(id);
      } catch {
        // ended meanwhile
      }
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const row = await store.get(id);
      if (row && isTerminal(row.status)) return { thread_status: row.status, thread_reason: row.reason };
      await store.appendEvent(id, "worker", { worker: ctx.owner, action: "took" });
      const started = (await store.steps(id)).some((s) => s.kind === "start");
      if (started) {
        // Run before (a worker that died, stopped or handed it back): resume in place from its journal.
        const resumed = await this.#runtime.resume(id, { lease: ctx.lease });
        if (resumed.status === "paused") {
          // Parked for a person (a tool call of unknown effect); the engine leaves no workflow pending.
          throw new KiwiError({
            code: "NEEDS_RECONCILIATION",
            message: `thread ${id} waits for a person's decision on a tool call that was in flight`,
            context: { thread_id: id },
          });
        }
      } else {
        await this.#runtime.spawn({
          threadId: id,
          registered: true,
          lease: ctx.lease,
          directive: input.directive,
          ...(input.message ? { message: input.message } : {}),
          inputs: input.inputs ?? {},
          ...(input.harness ? { harness: input.harness } : {}),
          ...(input.parent_grant !== undefined ? { parentGrant: input.parent_grant } : {}),
          ...(input.trace_context ? { traceContext: input.trace_context } : {}),
        });
      }
      const result = await manager.done(id);
      if (!result)
        throw new KiwiError({
          code: "INTERNAL_ERROR",
          message: `thread ${id} vanished from the store`,
          context: { thread_id: id },
        });
      if (result.status === "error" && result.reason === "LEASE_LOST") {
        throw new KiwiError({
          code: "LEASE_LOST",
          message: `worker ${ctx.owner} lost thread ${id}'s lease: another worker runs it`,
          context: { thread_id: id },
        });
      }
      return {
        thread_status: result.status,
        thread_reason: result.reason,
        ...(result.final_text ? { final_text: result.final_text } : {}),
      };
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
  }
}
