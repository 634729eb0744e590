import { parseArgs } from "node:util";
import {
  fallbackNote,
  type InstalledProvider,
  KNOWN_PROVIDER_PACKAGES,
  modelFor,
  type ProviderPick,
  pickProvider,
  type RecoveredThread,
  resolveModel,
  type ThreadRuntime,
} from "@kiwi/kiwi-harness";
import type { ThreadRow } from "@kiwi/threads";
import { EXIT, UsageError } from "../cli-error";
import { type KernelFlags, kernelOptions } from "../common-options";
import { type Io, print, printError, printJson } from "../io";
import { storeOption, storeUrlOf, withStoreSecretsHidden } from "../store/store-url";
import { storeRunProblem, submitThread } from "../store/submit-thread";
import { describeBudget, tokensOf } from "../thread-display/describe-event";
import { formatDuration, formatInt, formatUsd, keyValueTable } from "../thread-display/format";
import { inert } from "../thread-display/inert";
import { onInterrupts } from "../thread-display/interrupts";
import { openThreadRuntime } from "../thread-display/open-runtime";
import { RunDisplay } from "../thread-display/run-display";
import { jsonObjectArg } from "./run-command";

const RUN_USAGE =
  "kiwi thread run <directive> [message] [--inputs JSON] [--provider anthropic|openai|<installed provider>] [--model id] [--harness <harness id>] [--allow-unpriced] [--store <postgres-url> [--detach]] [--json]";

/** Thrown by `thread run`'s provider check: no usable provider, reported by the command itself. */
const NO_PROVIDER = Symbol("no provider");

/** kiwi thread run … — the only `thread` subcommand (`kiwi threads …` works on existing threads). */
export async function threadCommand(args: string[], given: Io): Promise<number> {
  const io = withStoreSecretsHidden(args, given);
  const [sub, ...rest] = args;
  if (sub === "run") return threadRun(rest, io);
  if (sub === undefined || sub === "--help" || sub === "-h") throw new UsageError(RUN_USAGE);
  throw new UsageError(
    `unknown subcommand 'thread ${sub}': ${RUN_USAGE} (list and control threads with kiwi threads …)`,
  );
}

/** What `thread run --json` prints, and what the summary table shows. */
export interface RunSummary {
  success: boolean;
  thread_id: string;
  directive: string;
  status: string;
  reason: string | null;
  turns: number;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number; usd: number | null };
  budget: Record<string, unknown>;
  provider: string;
  model: string;
  /** The harness definition the thread ran on (`kiwi_harness` unless the command or directive said). */
  harness: string;
  transcript_path: string;
  duration_ms: number;
  final_text: string;
  error?: { code: string; message: string };
}

/**
 * kiwi thread run <directive> [message] — spawns the directive on a managed thread (the
 * `thread_directive` layer) and follows it live until it ends. First Ctrl-C: graceful terminate;
 * second: kill. Exit 0 when the thread ends `completed` (any reason), 1 for error or killed.
 */
export async function threadRun(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      inputs: { type: "string" },
      provider: { type: "string" },
      model: { type: "string" },
      harness: { type: "string" },
      // A USD budget on a model without pricing data cannot be enforced: refused unless the person says so.
      "allow-unpriced": { type: "boolean", default: false },
      ...storeOption,
      detach: { type: "boolean", default: false },
    },
  });
  const directive = positionals[0];
  if (!directive) throw new UsageError(RUN_USAGE);
  const message = positionals.slice(1).join(" ");
  const inputs = jsonObjectArg(values.inputs, "--inputs");
  const url = storeUrlOf(values, io);
  if (url) {
    const problem = storeRunProblem({
      ...values,
      "allow-unpriced": values["allow-unpriced"] === true ? true : undefined,
    });
    if (problem) throw new UsageError(problem);
    return submitThread(
      {
        url,
        input: {
          directive,
          ...(message ? { message } : {}),
          inputs,
          ...(values.harness ? { harness: values.harness } : {}),
        },
        detach: values.detach === true,
        json: values.json === true,
      },
      io,
    );
  }
  if (values.detach)
    throw new UsageError(
      "--detach queues the thread on a shared store: add --store <postgres-url> (or set KIWI_STORE)",
    );
  if (values.model === "") throw new UsageError("--model needs a model id, e.g. --model claude-haiku-4-5");
  if (values.harness === "")
    throw new UsageError(
      "--harness needs a harness id, e.g. --harness minimal_harness (a tool_type: harness definition)",
    );
  const json = values.json === true;
  const display = new RunDisplay({ out: json ? io.stderr : io.stdout, env: io.env });
  // Providers are plugins found from data (tool_type: provider definitions), like sinks and harnesses:
  // the runtime finds the project's, else the provider plugins installed with kiwi itself, on the one
  // kernel that then runs the thread; the CLI passes only its overrides.
  let failed: Extract<ProviderPick, { ok: false }> | undefined;
  let installed: InstalledProvider | undefined;
  let runtime: ThreadRuntime;
  try {
    runtime = await openThreadRuntime(values, io, {
      providers: {
        ...(values.provider !== undefined ? { provider: values.provider } : {}),
        ...(values.model !== undefined ? { model: values.model } : {}),
      },
      // Checked before the registry is opened: a run that cannot start creates nothing.
      onProviders: (found) => {
        const pick = pickProvider(found.discovery, values.provider, io.env);
        if (!pick.ok) {
          failed = pick;
          throw NO_PROVIDER;
        }
        installed = pick.provider;
      },
      onEvent: (threadId, event) => display.event(threadId, event),
      allowUnpriced: values["allow-unpriced"] === true,
    });
  } catch (error) {
    if (error !== NO_PROVIDER || !failed) throw error;
    if (failed.usage) throw new UsageError(failed.message);
    printError(io, `kiwi thread run: ${failed.message}`);
    return EXIT.failed;
  }
  let stopInterrupts: (() => void) | undefined;
  try {
    const source = runtime.providers!;
    const chosen = installed!;
    const provider = chosen.id;
    if (source.pluginPackagesFrom) display.note(fallbackNote(chosen, source.pluginPackagesFrom));
    const missing = await providerToolProblem(runtime, chosen);
    if (missing) {
      printError(io, `kiwi thread run: ${missing}`);
      return EXIT.failed;
    }
    const maxTurns = await maxTurnsOf(runtime, directive, inputs);
    const startedAt = Date.now();
    // --harness wins over the directive's <harness>; an unknown, unsigned or non-harness id fails here,
    // before a thread is registered.
    const harness = values.harness;
    const spawned = await runtime.spawn({
      directive,
      ...(message ? { message } : {}),
      inputs,
      ...(harness ? { harness } : {}),
    });
    const id = spawned.thread_id;
    const { manager } = runtime;
    // The model the runtime chose for it (recorded with the thread).
    const recorded = manager.registry.get(id)?.permission_context?.model;
    const model = typeof recorded === "string" ? recorded : (values.model ?? "");
    stopInterrupts = onTreeInterrupts(io, runtime, id, display);
    const stopWatch = manager.watch((change) => {
      if (change.threadId === id) display.status(change.status, change.reason);
    });
    display.started({
      threadId: id,
      directive,
      provider,
      model,
      budget: spawned.budget as Record<string, unknown>,
      maxTurns,
      transcript: manager.transcriptPath(id),
    });
    try {
      await manager.done(id);
      await waitForDescendants(runtime, display);
    } finally {
      stopWatch();
      display.finish();
    }
    const summary = summarise(runtime, manager.registry.get(id)!, {
      provider,
      model,
      startedAt,
      turnsSeen: display.turns,
    });
    if (json) printJson(io, summary);
    else {
      if (summary.error)
        printError(io, `error ${inert(summary.error.code)}: ${inert(summary.error.message)}`);
      print(io, "");
      print(io, renderSummary(summary));
    }
    return summary.success ? EXIT.ok : EXIT.failed;
  } finally {
    stopInterrupts?.();
    display.finish();
    await runtime.close();
  }
}

/**
 * Ctrl-C for a thread and every thread it started in this process: the first asks them all to stop after
 * their current turn, the second kills them.
 */
export function onTreeInterrupts(
  io: Io,
  runtime: ThreadRuntime,
  id: string,
  display: RunDisplay,
): () => void {
  const { manager } = runtime;
  return onInterrupts(io, (count) => {
    const tree = [id, ...manager.liveThreads().filter((t) => t !== id)];
    if (count === 1) display.note(`^C asking ${id} to stop after its current turn (Ctrl-C again kills it)`);
    else if (count === 2) display.note(`^C killing ${id}`);
    else return;
    for (const t of tree) {
      try {
        if (count === 1) manager.terminate(t);
        else manager.kill(t);
      } catch {
        // The thread ended between the key press and the request: nothing to stop.
      }
    }
  });
}

/**
 * Waits for the threads still running in this process — the descendants of the thread this command ran:
 * they are not killed when their parent ends.
 */
export async function waitForDescendants(runtime: ThreadRuntime, display: RunDisplay): Promise<void> {
  const { manager } = runtime;
  let noted = false;
  for (let live = manager.liveThreads(); live.length > 0; live = manager.liveThreads()) {
    if (!noted) {
      display.note(`waiting for ${live.length} descendant thread${live.length === 1 ? "" : "s"} to end`);
      noted = true;
    }
    await Promise.all(live.map((t) => manager.done(t)));
  }
}

/** Why the provider's thread tool cannot be used in this project, or undefined when it can. */
async function providerToolProblem(
  runtime: ThreadRuntime,
  installed: InstalledProvider,
): Promise<string | undefined> {
  const tool = installed.provider.threadTool;
  const loaded = await runtime.kernel.load({ item_type: "tool", item_id: tool, source: "any" });
  if (loaded.success) return undefined;
  if (loaded.error.code === "ITEM_NOT_FOUND") {
    const known = KNOWN_PROVIDER_PACKAGES[installed.id];
    const install = known ? `npm install ${known}` : `reinstall the package that ships ${installed.itemId}`;
    return `the project has no ${tool} tool (the ${installed.id} provider streams through it): install the provider plugin in the project (${install}); its .ai items are found through the project's package.json`;
  }
  return `error ${loaded.error.code} loading ${tool}: ${loaded.error.message}`;
}

/** The directive's `<cost><max_turns>`, for the turn counter (undefined when it cannot be read here). */
async function maxTurnsOf(
  runtime: ThreadRuntime,
  directive: string,
  inputs: Record<string, unknown>,
): Promise<number | undefined> {
  // A directive that cannot load: spawn reports the problem with the thread_directive wording.
  const loaded = await runtime.kernel.runDirective(directive, inputs).catch(() => undefined);
  return loaded?.metadata.cost?.max_turns;
}

function summarise(
  runtime: ThreadRuntime,
  row: ThreadRow,
  run: { provider: string; model: string; startedAt: number; turnsSeen: number },
): RunSummary {
  const { manager } = runtime;
  const tail = manager.readTranscript(row.thread_id, 6).events;
  const completed = tail.find((e) => e.type === "completed");
  const error = tail.find((e) => e.type === "error");
  const tokens = tokensOf(row.usage);
  const harness = row.permission_context?.harness;
  const usd = typeof row.usage?.usd === "number" ? row.usage.usd : null;
  const finished = row.finished_at ? Date.parse(row.finished_at) : Date.now();
  const created = Date.parse(row.created_at);
  return {
    success: row.status === "completed",
    thread_id: row.thread_id,
    directive: row.directive,
    status: row.status,
    reason: row.reason,
    turns: typeof completed?.turns === "number" ? completed.turns : run.turnsSeen,
    usage: { input_tokens: tokens.input, output_tokens: tokens.output, total_tokens: tokens.total, usd },
    budget: row.budget ?? {},
    provider: run.provider,
    model: run.model,
    harness: typeof harness === "string" ? harness : "kiwi_harness",
    transcript_path: manager.transcriptPath(row.thread_id),
    duration_ms: Number.isNaN(created) ? Date.now() - run.startedAt : finished - created,
    final_text: typeof completed?.final_text === "string" ? completed.final_text : "",
    ...(error ? { error: { code: String(error.code), message: String(error.message) } } : {}),
  };
}

/** The summary table printed when the thread ends. */
export function renderSummary(s: RunSummary): string {
  const budget = describeBudget(s.budget);
  return keyValueTable([
    ["thread", inert(s.thread_id)],
    ["status", inert(s.status)],
    ["reason", inert(s.reason ?? "-")],
    ["turns", String(s.turns)],
    ["tokens", `in ${formatInt(s.usage.input_tokens)} · out ${formatInt(s.usage.output_tokens)}`],
    [
      "cost",
      `${s.usage.usd === null ? "unpriced" : formatUsd(s.usage.usd)}${budget ? ` (budget ${budget})` : ""}`,
    ],
    ["model", inert(`${s.provider} ${s.model}`)],
    ["transcript", inert(s.transcript_path)],
    ["duration", formatDuration(s.duration_ms)],
  ]);
}

/** The providers of a project and a runtime whose model choice follows the thread being resumed. */
async function resumingRuntime(
  values: KernelFlags,
  io: Io,
  display: RunDisplay,
): Promise<
  | {
      ok: true;
      runtime: ThreadRuntime;
      /** The provider and model a thread ran on (recorded when it was spawned); its resume uses them. */
      target(row: ThreadRow): { provider: string; model: string } | { problem: string; usage?: boolean };
      clear(): void;
    }
  | { ok: false; message: string; usage?: boolean }
> {
  let current: { installed: InstalledProvider; model: string } | undefined;
  let fallback: InstalledProvider | undefined;
  // The library finds the providers (the project's, else the ones installed with kiwi) on the runtime's
  // kernel; the model choice follows the thread being resumed.
  const runtime = await openThreadRuntime(values, io, {
    providers: {},
    models: (directiveModel) => {
      // The resumed thread runs on what it ran on; threads it spawns choose as `kiwi thread run` does.
      if (current) return resolveModel(current.installed.provider, current.model);
      const installed = fallback;
      if (!installed) throw new UsageError("no provider for a new thread");
      return resolveModel(installed.provider, modelFor(installed.provider, directiveModel, undefined));
    },
    onEvent: (threadId, event) => display.event(threadId, event),
  });
  return {
    ok: true,
    runtime,
    target(row) {
      const ctx = row.permission_context ?? {};
      const provider = typeof ctx.provider === "string" ? ctx.provider : undefined;
      const model = typeof ctx.model === "string" ? ctx.model : undefined;
      const pick = pickProvider(runtime.providers!.discovery, provider, io.env);
      if (!pick.ok) return { problem: pick.message };
      fallback = pick.provider;
      const chosen = model ?? modelFor(pick.provider.provider, undefined, undefined);
      current = { installed: pick.provider, model: chosen };
      return { provider: pick.provider.id, model: chosen };
    },
    clear() {
      current = undefined;
    },
  };
}

/**
 * kiwi threads resume <id> on a thread without an owner (interrupted, or parked for a decision): resumes
 * it in place — the same id — replaying its journal, and follows it (and the threads it starts) until it
 * ends, like `kiwi thread run`. `decision` settles a tool call that was in flight (`--rerun`, `--skip`).
 */
export async function resumeInPlaceCommand(
  id: string,
  values: KernelFlags,
  io: Io,
  decision: "rerun" | "skip" | undefined,
): Promise<number> {
  const json = values.json === true;
  const display = new RunDisplay({ out: json ? io.stderr : io.stdout, env: io.env });
  const opened = await resumingRuntime(values, io, display);
  if (!opened.ok) throw new UsageError(opened.message);
  const { runtime } = opened;
  const { manager } = runtime;
  let stopInterrupts: (() => void) | undefined;
  try {
    const row = manager.registry.get(id);
    if (!row) {
      printError(io, `kiwi threads resume: no thread ${inert(id)}: list threads with kiwi threads list`);
      return EXIT.failed;
    }
    const target = opened.target(row);
    if ("problem" in target) {
      printError(io, `kiwi threads resume: ${target.problem}`);
      return EXIT.failed;
    }
    const startedAt = Date.now();
    let result: Awaited<ReturnType<ThreadRuntime["resume"]>>;
    try {
      result = await runtime.resume(id, decision ? { decision } : {});
    } finally {
      opened.clear();
    }
    if (result.status === "paused") {
      if (json) printJson(io, { success: false, ...result });
      else
        printError(
          io,
          `${inert(id)}: paused (${inert(result.reason)}): step ${inert(String(result.seq))}, a call of ${inert(String(result.tool))} (${inert(String(result.call_id))}), was in flight when its process died and may have taken effect. Decide: kiwi threads resume ${inert(id)} --rerun (run it again) or --skip (do not run it; the model is told its effect is unknown)`,
        );
      return EXIT.failed;
    }
    display.note(`resumed ${id} in place (its journal replays; nothing recorded runs again)`);
    stopInterrupts = onTreeInterrupts(io, runtime, id, display);
    const stopWatch = manager.watch((change) => {
      if (change.threadId === id) display.status(change.status, change.reason);
    });
    try {
      await manager.done(id);
      await waitForDescendants(runtime, display);
    } finally {
      stopWatch();
      display.finish();
    }
    const summary = summarise(runtime, manager.registry.get(id)!, {
      provider: target.provider,
      model: target.model,
      startedAt,
      turnsSeen: display.turns,
    });
    if (json) printJson(io, summary);
    else {
      if (summary.error)
        printError(io, `error ${inert(summary.error.code)}: ${inert(summary.error.message)}`);
      print(io, "");
      print(io, renderSummary(summary));
    }
    return summary.success ? EXIT.ok : EXIT.failed;
  } finally {
    stopInterrupts?.();
    display.finish();
    await runtime.close();
  }
}

/** A resume's result and its children's (resumed with it), one flat list, parents first. */
function withChildren(result: RecoveredThread): Record<string, unknown>[] {
  const { children, ...own } = result as RecoveredThread & { children?: readonly RecoveredThread[] };
  return [own, ...(children ?? []).flatMap(withChildren)];
}

/**
 * kiwi threads recover — resumes every interrupted thread of the project in place (parents first) and
 * waits for them all. Exit 0 when every one resumed and ended `completed`.
 */
export async function recoverCommand(values: KernelFlags, io: Io): Promise<number> {
  const json = values.json === true;
  const display = new RunDisplay({ out: json ? io.stderr : io.stdout, env: io.env });
  const opened = await resumingRuntime(values, io, display);
  if (!opened.ok) throw new UsageError(opened.message);
  const { runtime } = opened;
  const { manager } = runtime;
  const results: Record<string, unknown>[] = [];
  let stopInterrupts: (() => void) | undefined;
  try {
    const rows = manager.registry
      .query({ status: "interrupted", limit: 1000 })
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const row of rows) {
      // Resumed meanwhile with its parent (a resume takes the thread's interrupted children along).
      if (manager.registry.get(row.thread_id)?.status !== "interrupted") continue;
      const target = opened.target(row);
      if ("problem" in target) {
        results.push({
          thread_id: row.thread_id,
          status: "failed",
          code: "INVALID_INPUT",
          message: target.problem,
        });
        continue;
      }
      try {
        results.push(...withChildren(await runtime.resume(row.thread_id)));
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown };
        results.push({
          thread_id: row.thread_id,
          status: "failed",
          code: typeof e.code === "string" ? e.code : "INTERNAL_ERROR",
          message: typeof e.message === "string" ? e.message : String(error),
        });
      } finally {
        opened.clear();
      }
    }
    const resumed = results.filter((r) => r.status === "resumed").map((r) => String(r.thread_id));
    if (resumed.length) {
      stopInterrupts = onInterrupts(io, (count) => {
        for (const t of manager.liveThreads()) {
          try {
            if (count === 1) manager.terminate(t);
            else if (count === 2) manager.kill(t);
          } catch {
            // ended meanwhile
          }
        }
      });
      await waitForDescendants(runtime, display);
    }
    display.finish();
    const ended = results.map((r) => {
      const row = r.status === "resumed" ? manager.registry.get(String(r.thread_id)) : undefined;
      return row ? { ...r, status: row.status, reason: row.reason } : r;
    });
    const ok = ended.every((r) => r.status === "completed");
    if (json) printJson(io, { success: ok, threads: ended });
    else if (ended.length === 0) print(io, "no interrupted threads");
    else
      for (const r of ended)
        print(
          io,
          `${inert(String(r.thread_id))}: ${inert(String(r.status))}${r.reason ? ` (${inert(String(r.reason))})` : ""}${r.code ? ` ${inert(String(r.code))}: ${inert(String(r.message))}` : ""}`,
        );
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    stopInterrupts?.();
    display.finish();
    await runtime.close();
  }
}
