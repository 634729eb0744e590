import { KiwiError } from "@kiwi/spec";

/** How applying a control request ended, recorded by the process that took it (or by its requester). */
export type ControlOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** A queued control request and where it stands: waiting, taken by the owner, applied, or failed (why). */
export interface ControlRecord {
  readonly id: number;
  readonly thread_id: string;
  readonly action: string;
  readonly payload: Record<string, unknown>;
  readonly status: "pending" | "taken" | "done" | "failed";
  readonly requested_at: string;
  readonly handled_at: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The stored form of an outcome (`thread_controls.outcome`); INVALID_INPUT for anything else. */
export function controlOutcomeJson(outcome: ControlOutcome): string {
  if (outcome?.ok === true) return JSON.stringify({ ok: true });
  const error = (outcome as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (outcome?.ok !== false || typeof error?.code !== "string" || typeof error.message !== "string") {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "a control outcome is {ok: true} or {ok: false, error: {code, message}}",
    });
  }
  return JSON.stringify({ ok: false, error: { code: error.code, message: error.message } });
}

/** A `thread_controls` row → its record. */
export function controlRecordOf(row: {
  id: number;
  thread_id: string;
  action: string;
  payload: string;
  requested_at: string;
  handled_at: string | null;
  outcome: string | null;
}): ControlRecord {
  const outcome = row.outcome === null ? null : (JSON.parse(row.outcome) as ControlOutcome);
  const status =
    row.handled_at === null ? "pending" : outcome === null ? "taken" : outcome.ok ? "done" : "failed";
  return {
    id: row.id,
    thread_id: row.thread_id,
    action: row.action,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status,
    requested_at: row.requested_at,
    handled_at: row.handled_at,
    error: outcome && !outcome.ok ? outcome.error : null,
  };
}
