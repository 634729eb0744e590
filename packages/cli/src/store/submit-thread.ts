// `kiwi thread run <directive> … --store <url>`: queues the directive on the shared store for any
// `kiwi worker`, and (without --detach) follows it from the store wherever it runs.
import { contextFromStored, storedTraceContext } from "@kiwi/kiwi-harness";
import { type ThreadEvent, type ThreadRow, threadIdFor } from "@kiwi/threads";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { EXIT } from "../cli-error";
import { type Io, print, printError, printJson } from "../io";
import { tokensOf } from "../thread-display/describe-event";
import { formatDuration, formatInt, keyValueTable } from "../thread-display/format";
import { inert } from "../thread-display/inert";
import { onInterrupts } from "../thread-display/interrupts";
import { DIRECTIVE_BODY, type DirectiveInput } from "../worker/directive-body";
import { loadPostgres, withStore } from "./open-store";
import { followStoreEvents, tailLine } from "./store-threads";

export interface SubmitOptions {
  readonly url: string;
  readonly input: DirectiveInput;
  readonly detach: boolean;
  readonly json: boolean;
}

/** Queues the thread; detached: prints its id; else follows it and exits with its result. */
export async function submitThread(options: SubmitOptions, io: Io): Promise<number> {
  const { url, input } = options;
  const { DbosThreadEngine } = await loadPostgres(() => import("@kiwi/threads-postgres/engine"));
  // Workers on many hosts: the second-resolution id gets a random suffix so two hosts never collide.
  const threadId = `${threadIdFor(input.directive, new Date())}_${Math.random().toString(36).slice(2, 6)}`;
  return withStore(url, async (store) => {
    // The submission's span (a child of TRACEPARENT, the environment's carrier, else of the active span):
    // its W3C context travels with the thread, whose `invoke_agent` span on the worker continues it.
    const parent =
      contextFromStored({ traceparent: io.env.TRACEPARENT }, context.active()) ?? context.active();
    const span = trace.getTracer("@kiwi/cli").startSpan(
      `submit ${input.directive}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { "gen_ai.agent.name": input.directive, "gen_ai.conversation.id": threadId },
      },
      parent,
    );
    const carried =
      storedTraceContext(span.spanContext()) ?? storedTraceContext(trace.getSpanContext(parent));
    try {
      await DbosThreadEngine.enqueueThread(store, {
        url,
        threadId,
        directive: input.directive,
        body: DIRECTIVE_BODY,
        input: { ...input, ...(carried ? { trace_context: carried } : {}) },
        permissionContext: {
          spawned_by: "kiwi thread run --store",
          ...(input.harness ? { harness: input.harness } : {}),
        },
      });
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((error as { code?: unknown }).code ?? ""),
      });
      throw error;
    } finally {
      span.end();
    }
    if (options.detach) {
      if (options.json)
        printJson(io, { success: true, thread_id: threadId, status: "spawning", store: store.location });
      else
        print(
          io,
          `thread ${threadId} queued on ${store.location}: follow it with kiwi threads tail ${threadId} -f --store …`,
        );
      return EXIT.ok;
    }
    const out = options.json ? io.stderr : io.stdout;
    out.write(
      `thread ${threadId} queued on ${store.location}: waiting for a worker (Ctrl-C: stop it after its current turn; twice: kill)\n`,
    );
    const controller = new AbortController();
    const stop = onInterrupts(io, (count) => {
      if (count > 2) return;
      out.write(
        count === 1 ? `^C asking ${threadId} to stop after its current turn\n` : `^C killing ${threadId}\n`,
      );
      void Promise.resolve(store.requestControl(threadId, count === 1 ? "terminate" : "kill", {})).catch(
        () => undefined,
      );
    });
    const calls = new Map<string, string>();
    const startedAt = Date.now();
    let finalText = "";
    let row: ThreadRow;
    try {
      row = await followStoreEvents(store, threadId, {
        afterSeq: 0,
        signal: controller.signal,
        show: (e: ThreadEvent) => {
          if (e.type === "completed" && typeof e.data.final_text === "string") finalText = e.data.final_text;
          out.write(`${tailLine(e, calls)}\n`);
        },
      });
    } finally {
      stop();
    }
    const tokens = tokensOf(row.usage);
    const summary = {
      success: row.status === "completed",
      thread_id: threadId,
      directive: row.directive,
      status: row.status,
      reason: row.reason,
      usage: {
        input_tokens: tokens.input,
        output_tokens: tokens.output,
        total_tokens: tokens.total,
        usd: typeof row.usage?.usd === "number" ? row.usage.usd : null,
      },
      store: store.location,
      duration_ms: Date.now() - startedAt,
      final_text: finalText,
    };
    if (options.json) printJson(io, summary);
    else {
      if (!summary.success)
        printError(
          io,
          `thread ${inert(threadId)} ended ${inert(row.status)}${row.reason ? ` (${inert(row.reason)})` : ""}`,
        );
      print(io, "");
      print(
        io,
        keyValueTable([
          ["thread", inert(threadId)],
          ["status", inert(row.status)],
          ["reason", inert(row.reason ?? "-")],
          ["tokens", `in ${formatInt(tokens.input)} · out ${formatInt(tokens.output)}`],
          ["store", inert(store.location)],
          ["duration", formatDuration(summary.duration_ms)],
        ]),
      );
    }
    return summary.success ? EXIT.ok : EXIT.failed;
  });
}

/** `--provider`/`--model` choose the model where the thread runs: on the worker. */
export function storeRunProblem(values: {
  provider?: string;
  model?: string;
  "allow-unpriced"?: boolean;
}): string | undefined {
  const given = ["provider", "model", "allow-unpriced"].filter(
    (k) =>
      (values as Record<string, unknown>)[k] !== undefined &&
      (values as Record<string, unknown>)[k] !== false,
  );
  return given.length
    ? `--${given[0]} chooses how a thread runs where it runs: with --store, pass it to kiwi worker (the workers' providers run the store's threads)`
    : undefined;
}
