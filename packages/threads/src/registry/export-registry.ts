import { KiwiError } from "@kiwi/spec";
import { refuseRenamedOptions } from "../renamed-options";
import type { ThreadEvent, ThreadRow } from "./rows";
import type { ThreadRegistry } from "./thread-registry";

export const EXPORT_FORMAT = "kiwi-threads";
export const EXPORT_FORMAT_VERSION = 1;

/** A portable copy of registry contents (JSON-serialisable). */
export interface RegistryExport {
  format: typeof EXPORT_FORMAT;
  format_version: typeof EXPORT_FORMAT_VERSION;
  exported_at: string;
  schema_version: number;
  threads: ThreadRow[];
  events: ThreadEvent[];
}

export interface ExportOptions {
  /** Export this thread and its descendants only (default: everything). */
  readonly threadId?: string;
  /** The clock for exported_at (default: the system clock). */
  readonly now?: () => Date;
}

/**
 * Everything in the registry, or one thread with its descendants, as one consistent snapshot. Events
 * are ordered by thread id, then seq. ITEM_NOT_FOUND when `threadId` is not registered.
 */
export function exportRegistry(registry: ThreadRegistry, options: ExportOptions = {}): RegistryExport {
  refuseRenamedOptions(options, { thread_id: "threadId" }, "exportRegistry");
  const { threadId } = options;
  const { threads, events } = registry.snapshot(threadId === undefined ? {} : { threadId });
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
    schema_version: registry.schemaVersion,
    threads,
    events,
  };
}
