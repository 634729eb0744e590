import { writeFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ThreadRuntime } from "@kiwi/kiwi-harness";
import { KiwiError } from "@kiwi/spec";
import {
  type ControlResult,
  exportRegistry,
  followTranscript,
  isTerminal,
  isThreadStatus,
  readTranscript,
  THREAD_STATUSES,
  type ThreadRow,
  type ThreadStatus,
  type TranscriptEvent,
} from "@kiwi/threads";
import { EXIT, UsageError } from "../cli-error";
import { type KernelFlags, kernelOptions as localOptions, projectFrom } from "../common-options";
import { type Io, print, printJson } from "../io";
import {
  type RowText,
  storeControl,
  storeEvents,
  storeExport,
  storeList,
  storeStatus,
  storeTail,
  threadStatusRows,
} from "../store/store-threads";
import { storeOption, storeUrlOf, withStoreSecretsHidden } from "../store/store-url";
import { describeEvent, tokensOf } from "../thread-display/describe-event";
import { columnTable, formatInt, formatUsd, keyValueTable } from "../thread-display/format";
import { inert, inertJson } from "../thread-display/inert";
import { onInterrupts } from "../thread-display/interrupts";
import { hasRegistry, registryFileOf, withThreads } from "../thread-display/open-runtime";
import { recoverCommand, resumeInPlaceCommand } from "./thread-command";

const USAGE = `kiwi threads <subcommand> [options]

  list [--status s[,s…]] [--directive d] [--parent id] [--limit n]   threads, newest first
  status <id>                         one thread: status, budget, usage, children, transcript
  events <id> [--after seq] [--limit n]   its registry events
  tail <id> [-n N] [-f]               its last N transcript events (default 20); -f follows until it ends
  pause <id>                          pause at the next turn boundary
  resume <id> [--message m]           end a pause (optionally with a message for the next turn); on an
                                      interrupted thread: continue it in place from its journal and follow it
         [--rerun | --skip]           a tool call in flight when its process died: run it again, or not
  recover                             resume every interrupted thread of the project in place
  inject <id> <message…>              queue a user message for the next turn
  terminate <id> [--immediate]        finish the current turn, then stop (--immediate cuts it)
  kill <id>                           abort now
  export <id> [--out file]            registry rows, events and transcripts of the thread and its descendants

  Every subcommand but recover takes --store <postgres-url> (or KIWI_STORE): the threads of a shared
  store that kiwi workers run, from any host (the URL and its password are never printed).
  Every subcommand takes --project, --user-space and --json. On a thread another process runs, pause,
  resume, inject, terminate and kill wait until that process applied them, or exit 1 with why it could not
  (--timeout s: how long it may take to pick the request up, default 10).`;

type Sub = (args: string[], io: Io) => Promise<number>;

/** Every subcommand but `recover` also works on a shared thread store (--store, KIWI_STORE). */
const kernelOptions = { ...localOptions, ...storeOption } as const;

/** How rows and times are shown, shared with the store's commands. */
const TEXT: RowText = { when, usageText, statusText };

const SUBCOMMANDS: Record<string, Sub> = {
  list: listThreads,
  status: threadStatus,
  events: threadEvents,
  tail: tailThread,
  pause: (args, io) => control("pause", args, io),
  resume: (args, io) => control("resume", args, io),
  inject: (args, io) => control("inject", args, io),
  terminate: (args, io) => control("terminate", args, io),
  kill: (args, io) => control("kill", args, io),
  export: exportThread,
  recover: async (args, io) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: localOptions });
    if (positionals.length)
      throw new UsageError(`unexpected argument '${positionals[0]}': kiwi threads recover`);
    if (!hasRegistry(values, io)) {
      if (values.json) printJson(io, { success: true, threads: [] });
      else print(io, "no interrupted threads");
      return EXIT.ok;
    }
    return recoverCommand(values, io);
  },
};

/** kiwi threads <list|status|events|tail|pause|resume|inject|terminate|kill|export> … */
export async function threadsCommand(args: string[], given: Io): Promise<number> {
  const io = withStoreSecretsHidden(args, given);
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    print(io, USAGE);
    return EXIT.ok;
  }
  const run = sub ? SUBCOMMANDS[sub] : undefined;
  if (!run) throw new UsageError(sub ? `unknown subcommand 'threads ${sub}'\n\n${USAGE}` : USAGE);
  return run(rest, io);
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────────

function wholeNumber(raw: string | undefined, flag: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(
      `${flag} must be a whole number${min > 0 ? ` of at least ${min}` : ""}, got '${raw}'`,
    );
  }
  return Number(raw);
}

function idArg(positionals: string[], usage: string): string {
  const id = positionals[0];
  if (!id) throw new UsageError(usage);
  return id;
}

function notFound(id: string, flags: KernelFlags, io: Io): KiwiError {
  return new KiwiError({
    code: "ITEM_NOT_FOUND",
    message: `no thread ${id} in ${registryFileOf(flags, io)}: list threads with kiwi threads list`,
    context: { thread_id: id },
  });
}

/** Runs `fn` on the project's registry with the thread's row; ITEM_NOT_FOUND when there is none. */
async function withThread<T>(
  id: string,
  flags: KernelFlags,
  io: Io,
  fn: (runtime: ThreadRuntime, row: ThreadRow) => Promise<T> | T,
): Promise<T> {
  // Asking about a thread never creates a registry in a project that has none.
  if (!hasRegistry(flags, io)) throw notFound(id, flags, io);
  return withThreads(flags, io, (runtime) => {
    const row = runtime.manager.registry.get(id);
    if (!row) throw notFound(id, flags, io);
    return fn(runtime, row);
  });
}

/** "2026-11-25T12:00:00.123Z" → "2026-11-25 12:00:00". */
function when(iso: string | null): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "-";
}

/** "12:00:00.123" of an ISO timestamp. */
function clock(iso: string): string {
  return iso.slice(11, 23);
}

function usageText(row: ThreadRow): { tokens: string; usd: string } {
  const t = tokensOf(row.usage);
  const usd = row.usage?.usd;
  return {
    tokens: formatInt(t.total),
    usd: typeof usd === "number" ? formatUsd(usd) : row.usage ? "unpriced" : "-",
  };
}

function statusText(row: ThreadRow): string {
  return inert(row.reason && row.reason !== row.status ? `${row.status} (${row.reason})` : row.status);
}

// ── list / status / events ─────────────────────────────────────────────────────────────────────────

/** kiwi threads list [--status s,s] [--directive d] [--parent id] [--limit n] [--json] */
async function listThreads(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      status: { type: "string" },
      directive: { type: "string" },
      parent: { type: "string" },
      limit: { type: "string" },
    },
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}': ${USAGE}`);
  let statuses: ThreadStatus[] | undefined;
  if (values.status !== undefined) {
    statuses = values.status.split(",").map((s) => s.trim()) as ThreadStatus[];
    const bad = statuses.find((s) => !isThreadStatus(s));
    if (bad !== undefined)
      throw new UsageError(`--status '${bad}' is not one of ${THREAD_STATUSES.join(", ")}`);
  }
  const limit = wholeNumber(values.limit, "--limit", 1);
  const url = storeUrlOf(values, io);
  if (url)
    return storeList(
      url,
      {
        ...(statuses ? { status: statuses } : {}),
        ...(values.directive !== undefined ? { directive: values.directive } : {}),
        ...(values.parent !== undefined ? { parentId: values.parent } : {}),
        ...(limit !== undefined ? { limit } : {}),
      },
      values.json === true,
      io,
      TEXT,
    );
  const rows = hasRegistry(values, io)
    ? await withThreads(values, io, ({ manager }) =>
        manager.registry.query({
          ...(statuses ? { status: statuses } : {}),
          ...(values.directive !== undefined ? { directive: values.directive } : {}),
          ...(values.parent !== undefined ? { parentId: values.parent } : {}),
          ...(limit !== undefined ? { limit } : {}),
        }),
      )
    : [];
  if (values.json) {
    printJson(io, { success: true, count: rows.length, threads: rows });
    return EXIT.ok;
  }
  if (rows.length === 0) {
    print(io, `no threads (${projectFrom(values, io)})`);
    return EXIT.ok;
  }
  print(
    io,
    columnTable(
      ["THREAD", "STATUS", "DIRECTIVE", "TOKENS", "USD", "STARTED", "PARENT"],
      rows.map((r) => {
        const u = usageText(r);
        return [
          inert(r.thread_id),
          statusText(r),
          inert(r.directive),
          u.tokens,
          u.usd,
          inert(when(r.created_at)),
          inert(r.parent_id ?? "-"),
        ];
      }),
    ),
  );
  return EXIT.ok;
}

/** kiwi threads status <id> [--json] */
async function threadStatus(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: kernelOptions });
  const id = idArg(positionals, "kiwi threads status <id>");
  const url = storeUrlOf(values, io);
  if (url) return storeStatus(url, id, values.json === true, io, TEXT);
  return withThread(id, values, io, ({ manager }, row) => {
    const children = manager.registry.query({ parentId: id, limit: 1000 });
    const transcript = manager.transcriptPath(id);
    if (values.json) {
      printJson(io, {
        success: true,
        thread: row,
        transcript,
        children: children.map((c) => ({ thread_id: c.thread_id, status: c.status, reason: c.reason })),
      });
      return EXIT.ok;
    }
    const rows: [string, string][] = [
      ...threadStatusRows(row, children, TEXT),
      ["process", row.pid !== null ? String(row.pid) : "-"],
      ["transcript", transcript],
    ];
    print(io, keyValueTable(rows.map(([k, v]) => [k, inert(v)] as const)));
    return EXIT.ok;
  });
}

/** kiwi threads events <id> [--after seq] [--limit n] [--json] */
async function threadEvents(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, after: { type: "string" }, limit: { type: "string" } },
  });
  const id = idArg(positionals, "kiwi threads events <id> [--after seq] [--limit n]");
  const afterSeq = wholeNumber(values.after, "--after", 0);
  const limit = wholeNumber(values.limit, "--limit", 1);
  const url = storeUrlOf(values, io);
  if (url)
    return storeEvents(
      url,
      id,
      { ...(afterSeq !== undefined ? { afterSeq } : {}), ...(limit !== undefined ? { limit } : {}) },
      values.json === true,
      io,
    );
  return withThread(id, values, io, ({ manager }) => {
    const calls = new Map<string, string>();
    const events = manager.registry.getEvents(id, {
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    if (values.json) {
      printJson(io, { success: true, thread_id: id, count: events.length, events });
      return EXIT.ok;
    }
    if (events.length === 0) {
      print(io, `no events for ${id}${afterSeq !== undefined ? ` after ${afterSeq}` : ""}`);
      return EXIT.ok;
    }
    print(
      io,
      columnTable(
        ["SEQ", "TIME", "TYPE", "DETAIL"],
        events.map((e) => [
          String(e.seq),
          inert(clock(e.ts)),
          inert(e.type),
          describeEvent({ ...e.data, type: e.type }, { short: true, calls }),
        ]),
      ),
    );
    return EXIT.ok;
  });
}

// ── tail ─────────────────────────────────────────────────────────────────────────────────────────────

/** kiwi threads tail <id> [-n N] [-f] [--json] — the last N transcript events; -f follows until the end. */
async function tailThread(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      follow: { type: "boolean", short: "f", default: false },
      lines: { type: "string", short: "n" },
    },
  });
  const id = idArg(positionals, "kiwi threads tail <id> [-n N] [-f]");
  const lastN = wholeNumber(values.lines, "-n", 0) ?? 20;
  const url = storeUrlOf(values, io);
  if (url)
    return storeTail(url, id, { lastN, follow: values.follow === true, json: values.json === true }, io);
  const calls = new Map<string, string>();
  const show = (e: TranscriptEvent) => {
    if (values.json) {
      io.stdout.write(`${inertJson(JSON.stringify(e))}\n`);
      return;
    }
    const prefix = `${inert(clock(e.ts))} ${String(e.seq).padStart(4)}  `;
    const text = describeEvent(e, { calls }).replaceAll("\n", `\n${" ".repeat(prefix.length)}`);
    print(io, `${prefix}${text}`);
  };
  return withThread(id, values, io, async ({ manager }, row) => {
    const file = manager.transcriptPath(id);
    const recent = readOrEmpty(file, Math.max(lastN, 1));
    for (const e of recent.slice(Math.max(0, recent.length - lastN))) show(e);
    const ended = (r: ThreadRow) => isTerminal(r.status) || r.status === "interrupted";
    if (!values.follow || ended(row)) return EXIT.ok;
    const controller = new AbortController();
    const stopInterrupts = onInterrupts(io, () => controller.abort());
    // A thread that stops without a `completed` line (its process died: interrupted) stops the follow too.
    const watcher = setInterval(() => {
      const now = manager.registry.get(id);
      if (now && ended(now)) setTimeout(() => controller.abort(), 500).unref?.();
    }, 500);
    watcher.unref?.();
    try {
      for await (const e of followTranscript(file, {
        signal: controller.signal,
        afterSeq: recent.at(-1)?.seq ?? 0,
      })) {
        show(e);
      }
    } finally {
      clearInterval(watcher);
      stopInterrupts();
    }
    return EXIT.ok;
  });
}

/** The last `lastN` events (all without it), or none when the transcript is not written yet. */
function readOrEmpty(file: string, lastN?: number): TranscriptEvent[] {
  try {
    return readTranscript(file, lastN === undefined ? {} : { lastN }).events;
  } catch (error) {
    if (KiwiError.isInstance(error) && error.code === "ITEM_NOT_FOUND") return [];
    throw error;
  }
}

// ── controls ─────────────────────────────────────────────────────────────────────────────────────────

type ControlAction = "pause" | "resume" | "inject" | "terminate" | "kill";

const CONTROL_USAGE: Record<ControlAction, string> = {
  pause: "kiwi threads pause <id>",
  resume: "kiwi threads resume <id> [--message m]",
  inject: "kiwi threads inject <id> <message…>",
  terminate: "kiwi threads terminate <id> [--immediate]",
  kill: "kiwi threads kill <id>",
};

const DONE_TEXT: Record<ControlAction, string> = {
  pause: "pause requested: it waits at its next turn boundary",
  resume: "resumed",
  inject: "message queued for its next turn",
  terminate: "terminate requested: it stops after its current turn",
  kill: "kill requested",
};

/** kiwi threads pause|resume|inject|terminate|kill <id> … */
async function control(action: ControlAction, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      timeout: { type: "string" as const },
      ...(action === "resume"
        ? {
            message: { type: "string" as const },
            rerun: { type: "boolean" as const, default: false },
            skip: { type: "boolean" as const, default: false },
          }
        : {}),
      ...(action === "terminate" ? { immediate: { type: "boolean" as const, default: false } } : {}),
    },
  });
  const id = idArg(positionals, CONTROL_USAGE[action]);
  const message = positionals.slice(1).join(" ");
  if (action === "inject" && !message) throw new UsageError(CONTROL_USAGE.inject);
  if (action !== "inject" && positionals.length > 1) {
    throw new UsageError(`unexpected argument '${positionals[1]}': ${CONTROL_USAGE[action]}`);
  }
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout) * 1000;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= 3_600_000))
    throw new UsageError("--timeout must be a number of seconds, more than 0 and at most 3600");
  const flags = values as KernelFlags & {
    message?: string;
    immediate?: boolean;
    rerun?: boolean;
    skip?: boolean;
  };
  if (flags.rerun && flags.skip) throw new UsageError("--rerun and --skip exclude each other: choose one");
  const url = storeUrlOf(values, io);
  if (url) {
    if (flags.rerun || flags.skip)
      throw new UsageError("--rerun and --skip apply to the project's registry only, not yet to a --store");
    const payload =
      action === "inject"
        ? { message }
        : action === "resume"
          ? flags.message !== undefined
            ? { message: flags.message }
            : {}
          : action === "terminate"
            ? { immediate: flags.immediate === true }
            : {};
    return storeControl(
      url,
      id,
      action,
      payload,
      { ...(timeoutMs ? { timeoutMs } : {}), json: values.json === true },
      io,
      DONE_TEXT[action],
    );
  }
  if (action === "resume") {
    // A thread without an owner (interrupted, or parked for a decision) continues in place.
    const row = hasRegistry(values, io)
      ? await withThreads(values, io, ({ manager }) => manager.registry.get(id))
      : undefined;
    const ownerless = row && (row.status === "interrupted" || (row.status === "paused" && row.pid === null));
    if (ownerless)
      return resumeInPlaceCommand(id, values, io, flags.rerun ? "rerun" : flags.skip ? "skip" : undefined);
    if (flags.rerun || flags.skip)
      throw new UsageError(
        "--rerun and --skip apply to a thread waiting for a decision (needs_reconciliation) only",
      );
  }
  return withThread(id, values, io, async ({ manager }) => {
    let result: ControlResult;
    if (action === "pause") result = manager.pause(id);
    else if (action === "resume")
      result = manager.resume(id, flags.message !== undefined ? { message: flags.message } : {});
    else if (action === "inject") result = manager.inject(id, message);
    else if (action === "terminate") result = manager.terminate(id, { immediate: flags.immediate === true });
    else result = manager.kill(id);
    if (result.queued === true && result.request_id !== undefined) {
      // Another process runs the thread: wait until it applied the request or says why it could not.
      const outcome = await manager.awaitControl(result.request_id, timeoutMs ? { timeoutMs } : {});
      if (!outcome.ok) {
        throw new KiwiError({
          code: outcome.error.code,
          message: `${id}: ${action} was not applied: ${outcome.error.message}`,
          context: { thread_id: id, action, request_id: result.request_id },
        });
      }
    }
    if (values.json) {
      printJson(io, {
        success: true,
        action,
        ...result,
        ...(result.queued ? { applied: true } : {}),
        thread_id: id,
      });
      return EXIT.ok;
    }
    print(
      io,
      result.queued === true
        ? `${id}: ${DONE_TEXT[action]} (applied by the process that runs the thread)`
        : `${id}: ${DONE_TEXT[action]}`,
    );
    return EXIT.ok;
  });
}

// ── export ───────────────────────────────────────────────────────────────────────────────────────────

/** kiwi threads export <id> [--out file] — `{registry, transcripts}` of the thread and its descendants. */
async function exportThread(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, out: { type: "string", short: "o" } },
  });
  const id = idArg(positionals, "kiwi threads export <id> [--out file]");
  if (values.out === "") throw new UsageError("--out needs a file path");
  const url = storeUrlOf(values, io);
  if (url) return storeExport(url, id, values.out, values.json === true, io);
  return withThread(id, values, io, async ({ manager }) => {
    // The journal keeps model replies and tool results as they were: secrets are redacted on the way out.
    const registry = exportRegistry(manager.registry, { threadId: id, redact: (t) => manager.redact(t) });
    const transcripts: Record<string, TranscriptEvent[]> = {};
    for (const t of registry.threads) {
      transcripts[t.thread_id] = readOrEmpty(manager.transcriptPath(t.thread_id));
    }
    const document = { registry, transcripts };
    if (values.out === undefined) {
      printJson(io, document);
      return EXIT.ok;
    }
    const file = isAbsolute(values.out) ? values.out : resolve(io.cwd, values.out);
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
    const lines = Object.values(transcripts).reduce((n, events) => n + events.length, 0);
    const summary = {
      success: true,
      path: file,
      threads: registry.threads.length,
      events: registry.events.length,
      transcript_events: lines,
    };
    if (values.json) printJson(io, summary);
    else
      print(
        io,
        `exported ${summary.threads} thread${summary.threads === 1 ? "" : "s"} (${summary.events} registry events, ${lines} transcript events) to ${file}`,
      );
    return EXIT.ok;
  });
}
