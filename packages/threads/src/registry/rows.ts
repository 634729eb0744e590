import { KiwiError } from "@kiwi/spec";
import type { ThreadStatus } from "./statuses";

/** One registered thread: the `threads` columns, JSON columns parsed. Timestamps are ISO-8601 UTC. */
export interface ThreadRow {
  thread_id: string;
  directive: string;
  parent_id: string | null;
  status: ThreadStatus;
  /** Why the thread is in its status (set with the status, cleared by the next change). */
  reason: string | null;
  /** The owner process. */
  pid: number | null;
  created_at: string;
  updated_at: string;
  /** When the thread reached a terminal status. */
  finished_at: string | null;
  permission_context: Record<string, unknown> | null;
  budget: Record<string, unknown> | null;
  usage: Record<string, unknown> | null;
  transcript_path: string | null;
}

/** One row of a thread's append-only event log; `seq` counts from 1 per thread with no gaps. */
export interface ThreadEvent {
  thread_id: string;
  seq: number;
  ts: string;
  type: string;
  data: Record<string, unknown>;
}

/** A saved run state; `seq` counts from 1 per thread. */
export interface Checkpoint {
  seq: number;
  ts: string;
  turn: number;
  state: unknown;
}

/** A `threads` row as SQLite returns it. */
export interface RawThreadRow extends Omit<ThreadRow, "permission_context" | "budget" | "usage"> {
  permission_context: string | null;
  budget: string | null;
  usage: string | null;
}

export interface RawEvent extends Omit<ThreadEvent, "data"> {
  data: string;
}

export function toThreadRow(raw: RawThreadRow): ThreadRow {
  return {
    ...raw,
    permission_context: parseRecord(raw.permission_context),
    budget: parseRecord(raw.budget),
    usage: parseRecord(raw.usage),
  };
}

export function toThreadEvent(raw: RawEvent): ThreadEvent {
  return { ...raw, data: JSON.parse(raw.data) as Record<string, unknown> };
}

function parseRecord(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON text of a value, or INVALID_INPUT naming the field when it cannot be stored. */
export function toJson(field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw invalid(`${field} cannot be written as JSON (${(err as Error).message}): pass plain data`, {
      field,
    });
  }
  if (text === undefined) throw invalid(`${field} cannot be written as JSON: pass plain data`, { field });
  return text;
}

/** JSON text of an optional object column: null when absent, INVALID_INPUT when not an object. */
export function recordJson(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw invalid(`${field} must be a JSON object (or omitted)`, { field });
  return toJson(field, value);
}

export function invalid(message: string, context: Record<string, unknown>): KiwiError {
  return new KiwiError({ code: "INVALID_INPUT", message, context });
}
