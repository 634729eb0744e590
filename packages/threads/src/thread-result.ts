import type { ThreadRow } from "./registry/rows";
import type { ThreadStatus } from "./registry/statuses";
import type { TranscriptEvent } from "./transcript/transcript-format";

/** A thread's token usage and cost as its result reports them. */
export interface ThreadUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_tokens: number;
  readonly cache_creation_tokens: number;
  /** Input (cache reads and writes included) plus output. */
  readonly total_tokens: number;
  /** Its own cost in USD, or null when the model is unpriced (never counted as $0). */
  readonly usd: number | null;
}

/**
 * What a finished thread's run came to (`done()` / `wait()` of a spawned thread, `ThreadManager.result`):
 * the status and reason the registry recorded, the model's final text, the turns, usage and USD.
 */
export interface ThreadResult {
  readonly thread_id: string;
  readonly status: ThreadStatus;
  readonly reason: string | null;
  /** The model's last text ("" when it wrote none). */
  readonly final_text: string;
  /** Model calls made (a resumed run counts the ones before the crash). */
  readonly turns: number;
  readonly usage: ThreadUsage;
  /** Set when the thread ended `error`: the code and message of what failed. */
  readonly error?: { readonly code: string; readonly message: string };
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** A usage record (a `cost_update`, the registry's `usage` column) as a result's usage. */
export function threadUsageOf(usage: Record<string, unknown> | null | undefined): ThreadUsage {
  const u = usage ?? {};
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  const cacheRead = num(u.cache_read_tokens);
  const cacheCreation = num(u.cache_creation_tokens);
  return {
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_creation_tokens: cacheCreation,
    total_tokens: input + cacheRead + cacheCreation + output,
    usd: typeof u.usd === "number" && Number.isFinite(u.usd) ? u.usd : null,
  };
}

/**
 * A finished thread's result from its registry row and the last events of its transcript (the final
 * `completed` the manager writes carries the turns and the final text; an `error` event the failure).
 */
export function threadResultOf(row: ThreadRow, tail: readonly TranscriptEvent[]): ThreadResult {
  const completed = tail.filter((e) => e.type === "completed").at(-1);
  const error = tail.filter((e) => e.type === "error").at(-1);
  return {
    thread_id: row.thread_id,
    status: row.status,
    reason: row.reason,
    final_text: typeof completed?.final_text === "string" ? completed.final_text : "",
    turns: typeof completed?.turns === "number" ? completed.turns : 0,
    usage: threadUsageOf(row.usage),
    ...(row.status === "error" && error
      ? { error: { code: String(error.code ?? row.reason ?? "error"), message: String(error.message ?? "") } }
      : {}),
  };
}
