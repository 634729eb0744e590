// `kiwi threads …` on a shared thread store (--store / KIWI_STORE): everything goes through the
// ThreadStore contract, so it works from any host — reads are queries, `tail -f` reads the event log
// after the last seq it saw, and controls are queued for the worker that runs the thread, which reports
// how each ended.
import { writeFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { KiwiError } from "@kiwi/spec";
import {
  exportStore,
  isTerminal,
  type ThreadEvent,
  type ThreadQuery,
  type ThreadRow,
  type ThreadStore,
} from "@kiwi/threads";
import { EXIT } from "../cli-error";
import { type Io, print, printJson } from "../io";
import { describeBudget, describeEvent, tokensOf } from "../thread-display/describe-event";
import { columnTable, formatDuration, formatInt, keyValueTable } from "../thread-display/format";
import { inert, inertJson } from "../thread-display/inert";
import { onInterrupts } from "../thread-display/interrupts";
import { loadPostgres, withStore } from "./open-store";

/** What the table helpers of `kiwi threads` need (shared with the project-registry commands). */
export interface RowText {
  when(iso: string | null): string;
  usageText(row: ThreadRow): { tokens: string; usd: string };
  statusText(row: ThreadRow): string;
}

/** The lines of `kiwi threads status` that every store shows (each adds its own: process, worker, …). */
export function threadStatusRows(
  row: ThreadRow,
  children: readonly ThreadRow[],
  text: Pick<RowText, "usageText" | "when">,
): [string, string][] {
  const t = tokensOf(row.usage);
  const ctx = row.permission_context ?? {};
  const end = row.finished_at ? Date.parse(row.finished_at) : Date.now();
  return [
    ["thread", row.thread_id],
    ["directive", row.directive],
    ["status", row.status],
    ["reason", row.reason ?? "-"],
    ["parent", row.parent_id ?? "-"],
    ["children", children.length ? children.map((c) => `${c.thread_id} (${c.status})`).join(", ") : "-"],
    ["model", ctx.provider ? `${String(ctx.provider)} ${String(ctx.model ?? "")}`.trim() : "-"],
    ["budget", describeBudget(row.budget) || "-"],
    ["tokens", `${formatInt(t.total)} (in ${formatInt(t.input)} · out ${formatInt(t.output)})`],
    ["cost", text.usageText(row).usd],
    ["started", text.when(row.created_at)],
    ["finished", text.when(row.finished_at)],
    [isTerminal(row.status) ? "duration" : "running for", formatDuration(end - Date.parse(row.created_at))],
  ];
}

/** The thread's row, or ITEM_NOT_FOUND naming the store by its location only. */
export async function storeRow(store: ThreadStore, id: string): Promise<ThreadRow> {
  const row = await store.get(id);
  if (!row)
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `no thread ${id} in the store ${store.location}: list threads with kiwi threads list --store …`,
      context: { thread_id: id },
    });
  return row;
}

export async function storeList(url: string, filter: ThreadQuery, json: boolean, io: Io, text: RowText) {
  return withStore(url, async (store) => {
    const rows = await store.query(filter);
    if (json) printJson(io, { success: true, count: rows.length, threads: rows });
    else if (rows.length === 0) print(io, `no threads (${store.location})`);
    else
      print(
        io,
        columnTable(
          ["THREAD", "STATUS", "DIRECTIVE", "TOKENS", "USD", "STARTED", "PARENT"],
          rows.map((r) => {
            const u = text.usageText(r);
            return [
              inert(r.thread_id),
              text.statusText(r),
              inert(r.directive),
              u.tokens,
              u.usd,
              inert(text.when(r.created_at)),
              inert(r.parent_id ?? "-"),
            ];
          }),
        ),
      );
    return EXIT.ok;
  });
}

export async function storeStatus(url: string, id: string, json: boolean, io: Io, text: RowText) {
  return withStore(url, async (store) => {
    const row = await storeRow(store, id);
    const children = await store.query({ parentId: id, limit: 1000 });
    const lease = await store.lease(id);
    const worker = lease && Date.parse(lease.expires_at) > Date.now() ? lease.owner : null;
    if (json) {
      printJson(io, {
        success: true,
        thread: row,
        store: store.location,
        worker,
        children: children.map((c) => ({ thread_id: c.thread_id, status: c.status, reason: c.reason })),
      });
      return EXIT.ok;
    }
    const rows: [string, string][] = [
      ...threadStatusRows(row, children, text),
      ["worker", worker ?? "-"],
      ["store", store.location],
    ];
    print(io, keyValueTable(rows.map(([k, v]) => [k, inert(v)] as const)));
    return EXIT.ok;
  });
}

export async function storeEvents(
  url: string,
  id: string,
  query: { afterSeq?: number; limit?: number },
  json: boolean,
  io: Io,
) {
  return withStore(url, async (store) => {
    await storeRow(store, id);
    const events = await store.getEvents(id, query);
    if (json) printJson(io, { success: true, thread_id: id, count: events.length, events });
    else if (events.length === 0)
      print(io, `no events for ${id}${query.afterSeq !== undefined ? ` after ${query.afterSeq}` : ""}`);
    else {
      const calls = new Map<string, string>();
      print(
        io,
        columnTable(
          ["SEQ", "TIME", "TYPE", "DETAIL"],
          events.map((e) => [
            String(e.seq),
            inert(e.ts.slice(11, 23)),
            inert(e.type),
            describeEvent({ ...e.data, type: e.type }, { short: true, calls }),
          ]),
        ),
      );
    }
    return EXIT.ok;
  });
}

/** Polls the thread's event log after `afterSeq` until it ends (or `signal`), calling `show` for each event. */
export async function followStoreEvents(
  store: ThreadStore,
  id: string,
  options: { afterSeq: number; signal: AbortSignal; show: (e: ThreadEvent) => void; pollMs?: number },
): Promise<ThreadRow> {
  let after = options.afterSeq;
  for (;;) {
    // The row first: events written before it ended are all read by the read after it.
    const row = await storeRow(store, id);
    for (const e of await store.getEvents(id, { afterSeq: after })) {
      options.show(e);
      after = e.seq;
    }
    if (isTerminal(row.status) || row.status === "interrupted" || options.signal.aborted) return row;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}

/** One event as `threads tail` shows it. */
export function tailLine(e: ThreadEvent, calls: Map<string, string>): string {
  const prefix = `${inert(e.ts.slice(11, 23))} ${String(e.seq).padStart(4)}  `;
  return `${prefix}${describeEvent({ ...e.data, type: e.type }, { calls }).replaceAll("\n", `\n${" ".repeat(prefix.length)}`)}`;
}

export async function storeTail(
  url: string,
  id: string,
  options: { lastN: number; follow: boolean; json: boolean },
  io: Io,
) {
  return withStore(url, async (store) => {
    const row = await storeRow(store, id);
    const all = await store.getEvents(id);
    const calls = new Map<string, string>();
    const show = (e: ThreadEvent) => {
      if (options.json)
        io.stdout.write(`${inertJson(JSON.stringify({ seq: e.seq, ts: e.ts, type: e.type, ...e.data }))}\n`);
      else print(io, tailLine(e, calls));
    };
    for (const e of all.slice(Math.max(0, all.length - options.lastN))) show(e);
    if (!options.follow || isTerminal(row.status)) return EXIT.ok;
    const controller = new AbortController();
    const stop = onInterrupts(io, () => controller.abort());
    try {
      await followStoreEvents(store, id, { afterSeq: all.at(-1)?.seq ?? 0, signal: controller.signal, show });
    } finally {
      stop();
    }
    return EXIT.ok;
  });
}

/** The store's control actions by the CLI's names. */
const ACTIONS = {
  pause: "pause",
  resume: "resume",
  inject: "inject_message",
  terminate: "terminate",
  kill: "kill",
};

/**
 * Queues a control for the worker that runs the thread and waits until it reports the outcome. A request
 * no worker took within `timeoutMs` fails with CONTROL_TIMEOUT (the thread waits in the queue, or its
 * worker died: it is resumed by another once its lease expires).
 */
export async function storeControl(
  url: string,
  id: string,
  action: keyof typeof ACTIONS,
  payload: Record<string, unknown>,
  options: { timeoutMs?: number; json: boolean },
  io: Io,
  doneText: string,
) {
  return withStore(url, async (store) => {
    const row = await storeRow(store, id);
    if (isTerminal(row.status))
      throw new KiwiError({
        code: "THREAD_FINISHED",
        message: `thread ${id} already ended (${row.status}): ${action} applies to running threads only`,
        context: { thread_id: id, status: row.status },
      });
    if (
      (action === "kill" || action === "terminate") &&
      row.status === "spawning" &&
      !(await store.lease(id))
    ) {
      // Still in the queue: no worker to ask; DBOS cancels its workflow and it ends before it started.
      const { DbosThreadEngine } = await loadPostgres(() => import("@kiwi/threads-postgres/engine"));
      const ended = await DbosThreadEngine.cancelThread(store, {
        url,
        threadId: id,
        reason: action === "kill" ? "killed" : "terminated",
      });
      if (options.json)
        printJson(io, { success: true, action, thread_id: id, status: ended.status, queued: false });
      else print(io, `${id}: cancelled before any worker took it (${ended.status})`);
      return EXIT.ok;
    }
    const { id: requestId } = await store.requestControl(id, ACTIONS[action], payload);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const record = await store.control(requestId);
      if (record?.status === "done") break;
      if (record?.status === "failed")
        throw new KiwiError({
          code: record.error?.code ?? "INTERNAL_ERROR",
          message: `${id}: ${action} was not applied: ${record.error?.message ?? "the worker refused it"}`,
          context: { thread_id: id, action, request_id: requestId },
        });
      if (Date.now() > deadline) {
        const now = await store.get(id);
        throw new KiwiError({
          code: now && isTerminal(now.status) ? "THREAD_FINISHED" : "CONTROL_TIMEOUT",
          message:
            now && isTerminal(now.status)
              ? `${id}: ended (${now.status}) before its worker took the ${action} request`
              : `${id}: no worker took the ${action} request within ${Math.round((options.timeoutMs ?? 10_000) / 1000)} s (status ${now?.status ?? "?"}): is a kiwi worker running on this store? The request stays queued for the thread's worker; check with kiwi threads status ${id} --store …`,
          context: { thread_id: id, action, request_id: requestId },
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (options.json)
      printJson(io, {
        success: true,
        action,
        thread_id: id,
        queued: true,
        request_id: requestId,
        applied: true,
      });
    else print(io, `${id}: ${doneText} (applied by its worker)`);
    return EXIT.ok;
  });
}

/** `kiwi threads export` from the store: the export format, with the thread's events as its transcript. */
export async function storeExport(url: string, id: string, out: string | undefined, json: boolean, io: Io) {
  return withStore(url, async (store) => {
    await storeRow(store, id);
    // Journal rows were redacted by the worker that wrote them (its kernel's secrets).
    const registry = await exportStore(store, { threadId: id });
    // The transcript of a thread on a shared store is its event log (already in `registry.events`).
    const document = { registry, transcripts: {} };
    if (out === undefined) {
      printJson(io, document);
      return EXIT.ok;
    }
    const file = isAbsolute(out) ? out : resolve(io.cwd, out);
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
    const summary = {
      success: true,
      path: file,
      threads: registry.threads.length,
      events: registry.events.length,
      transcript_events: 0,
    };
    if (json) printJson(io, summary);
    else
      print(
        io,
        `exported ${summary.threads} thread${summary.threads === 1 ? "" : "s"} (${summary.events} events) from ${store.location} to ${file}`,
      );
    return EXIT.ok;
  });
}
