// A worker process for the queued-child crash test: what `kiwi worker` runs, reduced to its parts — a
// DBOS thread engine on the test database, a ThreadRuntime on the same PostgreSQL store whose children
// are queued for any worker (`queueChild` → the engine's `enqueue`), a thread body that spawns a queued
// thread or resumes a taken-over one in place, and takeover of dead workers' threads.
//
//   node --import tsx src/test-support/queue-worker-fixture.ts <projectRoot> <fakeUrl> <hold>
//     Env: KIWI_TEST_STORE_URL, KIWI_TEST_OWNER (the worker's name), KIWI_TEST_LEASE_MS.
//     Prints `{"ready":true}` once its engine runs. Each child it hands to the queue prints
//     `{"queued":<child>,"now":<queued now>,"reconciled":…}`. <hold> stops the whole process at the first
//     child it queues: `register` before queueing it (the child registered, never queued), `queued` right
//     after (queued, the spawn's result never journaled); it prints `{"holding":…,"child_id":…}` and
//     blocks until killed. `none` runs normally.
//
// Imported (by the test), it exports where it is and the body's name.
import { fileURLToPath } from "node:url";
import type { StoredTraceContext } from "../telemetry/trace-context";
import type { QueuedChild } from "../thread-runtime";
import { fixtureRuntime } from "./crash-fixture";

export const QUEUE_WORKER = fileURLToPath(import.meta.url);
/** The body every fixture worker runs (a submission names it). */
export const QUEUED_BODY = "kiwi.test-directive";

/** What a submission or a queued child carries to the worker that takes it. */
export interface QueuedInput {
  readonly directive: string;
  readonly message?: string;
  readonly inputs?: Record<string, unknown>;
  readonly parent_grant?: string;
  readonly trace_context?: StoredTraceContext;
}

function print(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Blocks the process's only thread (the test SIGKILLs it meanwhile): no lease renewal, no dequeue. */
function blockForever(): never {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
}

async function worker(projectRoot: string, fakeUrl: string, hold: string): Promise<void> {
  const { DbosThreadEngine, defineThreadBody } = await import("@kiwi/threads-postgres/engine");
  const url = process.env.KIWI_TEST_STORE_URL!;
  const name = process.env.KIWI_TEST_OWNER!;
  const leaseMs = Number(process.env.KIWI_TEST_LEASE_MS ?? "2000");
  let engine: Awaited<ReturnType<typeof DbosThreadEngine.start>> | undefined;
  const queueChild = async (child: QueuedChild) => {
    if (hold === "register") {
      print({ holding: hold, child_id: child.threadId });
      blockForever();
    }
    const now = await engine!.enqueue({
      threadId: child.threadId,
      body: QUEUED_BODY,
      input: {
        directive: child.directive,
        message: child.message,
        inputs: child.inputs,
        parent_grant: child.parentGrant,
        ...(child.traceContext ? { trace_context: child.traceContext } : {}),
      } satisfies QueuedInput,
    });
    print({ queued: child.threadId, now, reconciled: child.reconciled ?? false });
    if (hold === "queued") {
      print({ holding: hold, child_id: child.threadId });
      blockForever();
    }
  };
  const runtime = await fixtureRuntime(projectRoot, fakeUrl, { queueChild });
  const { manager } = runtime;
  defineThreadBody(QUEUED_BODY, async (ctx, input) => {
    const request = input as QueuedInput;
    const id = ctx.threadId;
    if ((await manager.store.steps(id)).some((s) => s.kind === "start"))
      await runtime.resume(id, { lease: ctx.lease });
    else
      await runtime.spawn({
        threadId: id,
        registered: true,
        lease: ctx.lease,
        directive: request.directive,
        message: request.message ?? "",
        inputs: request.inputs ?? {},
        ...(request.parent_grant !== undefined ? { parentGrant: request.parent_grant } : {}),
        ...(request.trace_context ? { traceContext: request.trace_context } : {}),
      });
    const result = await manager.done(id);
    print({ ended: id, status: result?.status ?? null });
    return { thread_status: result?.status ?? "error", thread_reason: result?.reason ?? null };
  });
  engine = await DbosThreadEngine.start({ url, executorId: name, leaseMs, concurrency: 4 });
  print({ ready: true, pid: process.pid });
  setInterval(
    () => {
      engine!.takeOver().then(
        (ids) => ids.length && print({ took_over: ids }),
        () => undefined,
      );
    },
    Math.max(200, Math.floor(leaseMs / 3)),
  );
  setTimeout(() => process.exit(3), 120_000);
}

const [projectRoot, fakeUrl, hold] = process.argv.slice(2);
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && projectRoot) {
  worker(projectRoot, fakeUrl!, hold ?? "none").catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
