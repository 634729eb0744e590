import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { pickProvider, type QueuedChild } from "@kiwi/kiwi-harness";
import { KiwiError } from "@kiwi/spec";
import { EXIT, UsageError } from "../cli-error";
import { kernelOptions } from "../common-options";
import { type Io, printError } from "../io";
import { loadPostgres, openStore } from "../store/open-store";
import { storeOption, storeUrlOf, withStoreSecretsHidden } from "../store/store-url";
import { inert } from "../thread-display/inert";
import { interruptsOf } from "../thread-display/interrupts";
import { openThreadRuntime } from "../thread-display/open-runtime";
import { DIRECTIVE_BODY, type DirectiveInput, DirectiveThreads } from "../worker/directive-body";

const USAGE = `kiwi worker --store <postgres-url> [--name <id>] [--concurrency <n>] [--project <path>]
            [--provider p] [--model m] [--lease <s>] [--grace <s>] [--children queue|local]

  Runs threads queued on a shared store (kiwi thread run … --store) until SIGTERM or Ctrl-C.
  --name         this worker's name, unique among the store's workers (default <host>-<pid>)
  --concurrency  threads it runs at once (default 4; each worker its own)
  --lease        seconds its lease on a thread holds without renewal (default 30): a dead worker's threads
                 are taken over by another within about lease + lease/3 + 1 s
  --grace        on SIGTERM/SIGINT, seconds running threads get to finish before they are handed back
                 (default 30); a second signal hands them back at once
  --children     where a child thread_directive spawns runs: queue (default) — queued like a submitted
                 thread, any worker may take it (its parent's grants travel signed by this worker's key;
                 the taking worker must trust it: kiwi trust) — or local, on its parent's worker
  Progress lines go to stderr. Exit 0 after a graceful stop, 1 when it cannot start or was forced.`;

/** kiwi worker … — one worker process of the distributed thread engine (DBOS Transact on PostgreSQL). */
export async function workerCommand(args: string[], given: Io): Promise<number> {
  const io = withStoreSecretsHidden(args, given);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      ...storeOption,
      name: { type: "string" },
      concurrency: { type: "string" },
      provider: { type: "string" },
      model: { type: "string" },
      lease: { type: "string" },
      grace: { type: "string" },
      children: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n\n${USAGE}`);
  const url = storeUrlOf(values, io);
  if (!url)
    throw new UsageError(`a worker needs a shared store: --store <postgres-url> or KIWI_STORE\n\n${USAGE}`);
  const name = values.name ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 100);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name))
    throw new UsageError("--name must be 1–100 characters of A-Z a-z 0-9 _ . -");
  const concurrency = whole(values.concurrency, "--concurrency", 4);
  const leaseMs = Math.round(seconds(values.lease, "--lease", 30) * 1000);
  const graceMs = Math.round(seconds(values.grace, "--grace", 30) * 1000);
  const children = values.children ?? "queue";
  if (children !== "queue" && children !== "local")
    throw new UsageError(`--children is queue or local, got '${children}'`);
  const say = (text: string) => printError(io, `worker ${name}: ${text}`);

  /** The engine once it started: children are queued on it. */
  let queueOn: import("@kiwi/threads-postgres/engine").DbosThreadEngine | undefined;
  // The store, then the runtime on it (its providers checked before anything is taken), then the engine.
  let picked: ReturnType<typeof pickProvider> | undefined;
  const store = await openStore(url);
  const runtime = await openThreadRuntime(values, io, {
    providers: {
      ...(values.provider !== undefined ? { provider: values.provider } : {}),
      ...(values.model !== undefined ? { model: values.model } : {}),
    },
    onProviders: (found) => {
      picked = pickProvider(found.discovery, values.provider, io.env);
      if (!picked.ok) throw new KiwiError({ code: "INVALID_INPUT", message: picked.message, context: {} });
    },
    // Threads run on the shared store: their rows, events, journal and budget tree are there.
    store,
    owner: name,
    leaseMs,
    // A child a thread spawns: queued for any worker (the engine is running by the time a thread runs).
    ...(children === "queue"
      ? {
          queueChild: async (child: QueuedChild) => {
            if (!queueOn)
              throw new KiwiError({
                code: "INTERNAL_ERROR",
                message: "the engine is not running",
                context: {},
              });
            const queuedNow = await queueOn.enqueue({
              threadId: child.threadId,
              body: DIRECTIVE_BODY,
              input: {
                directive: child.directive,
                message: child.message,
                inputs: child.inputs,
                ...(child.harness ? { harness: child.harness } : {}),
                parent_grant: child.parentGrant,
                ...(child.traceContext ? { trace_context: child.traceContext } : {}),
              } satisfies DirectiveInput,
            });
            // A resumed parent queues its registered child again (`reconciled`): it may have been queued already.
            const again = child.reconciled ? " again (its parent's worker died before queueing it)" : "";
            say(
              queuedNow === false
                ? `child ${inert(child.threadId)} of ${inert(child.parentId)} was queued already`
                : `queued child ${inert(child.threadId)} of ${inert(child.parentId)}${again}`,
            );
          },
        }
      : {}),
  }).catch(async (error) => {
    await Promise.resolve(store.close()).catch(() => undefined);
    throw error;
  });
  const { DbosThreadEngine, defineThreadBody } = await loadPostgres(
    () => import("@kiwi/threads-postgres/engine"),
  );
  const threads = new DirectiveThreads(runtime);
  const running = new Map<string, string>();
  let handingBack = false;
  defineThreadBody(DIRECTIVE_BODY, async (ctx, input) => {
    const request = input as DirectiveInput;
    running.set(ctx.threadId, request.directive);
    say(`took ${inert(ctx.threadId)} (${inert(request.directive)})`);
    try {
      const end = await threads.run(ctx, request);
      say(
        `finished ${inert(ctx.threadId)}: ${inert(end.thread_status)}${end.thread_reason ? ` (${inert(end.thread_reason)})` : ""}`,
      );
      return end;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      say(`${inert(ctx.threadId)} stopped here: ${inert(String(code ?? (error as Error).message))}`);
      // Handed back by this worker: its workflow must stay pending for another worker's takeover (an
      // error would end it); the process exits right after. (A worker superseded by a takeover throws:
      // DBOS refuses the stale execution's outcome.)
      if (code === "LEASE_LOST" && handingBack) await new Promise<never>(() => undefined);
      throw error;
    } finally {
      running.delete(ctx.threadId);
    }
  });
  let engine: Awaited<ReturnType<typeof DbosThreadEngine.start>>;
  try {
    engine = await DbosThreadEngine.start({
      url,
      executorId: name,
      concurrency,
      leaseMs,
      log: (level, text) => say(`${level}: ${inert(text)}`),
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  queueOn = engine;
  say(
    `ready on ${store.location} (concurrency ${concurrency}, lease ${leaseMs / 1000} s, project ${runtime.kernel.projectRoot})`,
  );

  // A dead worker's threads: taken over once their lease expired (checked every third of a lease, ≤ 5 s).
  const takeOverEvery = Math.max(200, Math.min(5_000, Math.floor(leaseMs / 3)));
  const takeOver = setInterval(() => {
    engine.takeOver().then(
      (ids) => {
        if (ids.length)
          say(`took over ${ids.map((id) => inert(id)).join(", ")} from a worker whose lease expired`);
      },
      (error) => say(`takeover failed: ${inert(String((error as Error).message))}`),
    );
  }, takeOverEvery);
  // Controls queued in the store for the threads running here are applied by the runtime's manager.

  const stopped = await new Promise<"graceful" | "forced">((resolveStop) => {
    const source = interruptsOf(io);
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals === 1) {
        say(
          `stopping: no new threads; ${running.size} running get ${graceMs / 1000} s to finish, then are handed back (signal again to hand them back now)`,
        );
        clearInterval(takeOver);
        // Threads still running after the grace are handed back (DBOS is shut down by then).
        setTimeout(() => {
          handingBack = true;
        }, graceMs).unref();
        engine.stop({ graceMs }).then(
          () => resolveStop("graceful"),
          () => resolveStop("graceful"),
        );
      } else if (signals === 2) {
        say(`handing ${running.size} running thread(s) back now`);
        resolveStop("forced");
      }
    };
    source.on("SIGINT", onSignal);
    if (source === process) process.on("SIGTERM", onSignal);
  });
  clearInterval(takeOver);
  if (stopped === "forced") {
    handingBack = true;
    await engine.handBack().catch(() => undefined);
  }
  // Threads handed back still run in this runtime until the process ends (DBOS's shutdown may still wait
  // out the grace too): a real process does not wait for them.
  if ((stopped === "forced" || running.size > 0) && interruptsOf(io) === process)
    setTimeout(() => process.exit(stopped === "graceful" ? EXIT.ok : EXIT.failed), 500).unref();
  if (running.size) say(`handed back ${[...running.keys()].map((id) => inert(id)).join(", ")}`);
  say("stopped");
  // Threads handed back are another worker's now (their lease expired): this runtime writes nothing more.
  if (running.size === 0) await runtime.close().catch(() => undefined);
  return stopped === "graceful" ? EXIT.ok : EXIT.failed;
}

function whole(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${flag} must be a whole number of at least 1, got '${raw}'`);
  return Number(raw);
}

function seconds(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new UsageError(`${flag} must be a number of seconds, more than 0, got '${raw}'`);
  return n;
}
