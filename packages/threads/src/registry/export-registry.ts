import { KiwiError } from "@kiwi/spec";
import { refuseRenamedOptions } from "../renamed-options";
import type { ThreadStore, ThreadStoreSnapshot } from "../store/thread-store";
import { JOURNAL_FORMAT_VERSION } from "./journal";
import type { ThreadEvent, ThreadRow } from "./rows";
import type { RawJournalStep, ThreadRegistry } from "./thread-registry";

export const EXPORT_FORMAT = "kiwi-threads";
/** 2: `journal_format_version` and `steps` (the step journal) added. */
export const EXPORT_FORMAT_VERSION = 2;

/** One step of a thread's journal as exported: its JSON columns parsed (kept as text when they do not parse). */
export interface ExportedStep {
  thread_id: string;
  seq: number;
  format: number;
  kind: string;
  request: unknown;
  request_hash: string;
  outcome: unknown;
  started_at: string;
  ended_at: string | null;
}

/** A portable copy of registry contents (JSON-serialisable). */
export interface RegistryExport {
  format: typeof EXPORT_FORMAT;
  format_version: typeof EXPORT_FORMAT_VERSION;
  exported_at: string;
  schema_version: number;
  journal_format_version: number;
  threads: ThreadRow[];
  events: ThreadEvent[];
  /** The step journal (intents and outcomes: model replies and tool results as they were, secrets redacted when `redact` is given). */
  steps: ExportedStep[];
}

export interface ExportOptions {
  /** Export this thread and its descendants only (default: everything). */
  readonly threadId?: string;
  /** The clock for exported_at (default: the system clock). */
  readonly now?: () => Date;
  /** Applied to the journal's JSON before it is exported (e.g. the thread manager's secret redactor). */
  readonly redact?: (text: string) => string;
}

function parsed(text: string | null, redact: (s: string) => string): unknown {
  if (text === null) return null;
  const safe = redact(text);
  try {
    return JSON.parse(safe);
  } catch {
    return safe;
  }
}

function exportedStep(row: RawJournalStep, redact: (s: string) => string): ExportedStep {
  return { ...row, request: parsed(row.request, redact), outcome: parsed(row.outcome, redact) };
}

/**
 * Everything in the registry, or one thread with its descendants, as one consistent snapshot. Events
 * are ordered by thread id, then seq. ITEM_NOT_FOUND when `threadId` is not registered.
 */
export function exportRegistry(registry: ThreadRegistry, options: ExportOptions = {}): RegistryExport {
  refuseRenamedOptions(options, { thread_id: "threadId" }, "exportRegistry");
  const { threadId } = options;
  return exportSnapshot(
    registry.snapshot(threadId === undefined ? {} : { threadId }),
    registry.schemaVersion,
    options,
  );
}

/**
 * The export of any thread store's snapshot (`await store.snapshot({threadId})`): the same format as
 * `exportRegistry`. ITEM_NOT_FOUND when `options.threadId` is given and the snapshot has no thread.
 */
export async function exportStore(store: ThreadStore, options: ExportOptions = {}): Promise<RegistryExport> {
  refuseRenamedOptions(options, { thread_id: "threadId" }, "exportStore");
  const { threadId } = options;
  return exportSnapshot(
    await store.snapshot(threadId === undefined ? {} : { threadId }),
    store.schemaVersion,
    options,
  );
}

function exportSnapshot(
  { threads, events, steps }: ThreadStoreSnapshot,
  schemaVersion: number,
  options: ExportOptions,
): RegistryExport {
  const { threadId } = options;
  if (threadId !== undefined && threads.length === 0) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `no thread ${JSON.stringify(threadId)} to export: check the id, or leave it out to export every thread`,
      context: { thread_id: threadId },
    });
  }
  return {
    format: EXPORT_FORMAT,
    format_version: EXPORT_FORMAT_VERSION,
    exported_at: (options.now ?? (() => new Date()))().toISOString(),
    schema_version: schemaVersion,
    journal_format_version: JOURNAL_FORMAT_VERSION,
    threads,
    events,
    steps: steps.map((s) => exportedStep(s, options.redact ?? ((t) => t))),
  };
}
