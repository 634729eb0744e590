import { ErrorCode } from "@kiwi/spec";

/**
 * The transcript format: a public, versioned, append-only JSONL file (`.ai/threads/<id>/transcript.jsonl`).
 *
 * Every line is one JSON object ending in `\n`:
 *
 * ```json
 * {"v":1,"ts":"2026-11-25T12:00:00.000Z","seq":7,"type":"tool_call","turn":2,"id":"toolu_1","name":"execute","args_hash":"…","jti":"…","capability":"kiwi.execute","target":"greet","grant":"tool.execute:greet"}
 * ```
 *
 * | key    | meaning                                                                                   |
 * | ------ | ----------------------------------------------------------------------------------------- |
 * | `v`    | format version, {@link TRANSCRIPT_FORMAT_VERSION}; a reader refuses versions it does not know |
 * | `ts`   | when the line was written, ISO 8601 in UTC (`Date#toISOString`)                            |
 * | `seq`  | 1, 2, 3, … per writer; a writer reopening the file continues from the last line's `seq`    |
 * | `type` | the event type, `[a-z][a-z0-9_]*`; the types Kiwi writes are listed below                  |
 *
 * The other keys depend on the type. Readers must ignore keys and types they do not know: new optional keys
 * and new types may be added within version 1; renaming or removing a key, or changing its meaning, needs
 * version 2. Fields marked `?` may be absent.
 *
 * | type                | fields                                                                   | written when                                         |
 * | ------------------- | ------------------------------------------------------------------------ | ---------------------------------------------------- |
 * | `spawned`           | `directive`, `harness?`, `parent_id` (null at top level), `budget`, `inputs` | the thread is registered                          |
 * | `directive_loaded`  | `directive`, `version`, `core`                                           | the runner loaded and verified its directive         |
 * | `token_minted`      | `jti`, `exp`, `grants` (count), `dropped` (grants the parent lacked), `system_dropped` (system caps a non-core directive may not hold) | the thread's capability token was minted |
 * | `resumed`           | `turn`, `messages`; or `in_place: true`, `pid`, `journaled_steps`, `pending?` | the run continues a checkpoint; or the same thread resumes in place from its journal (`pending`: in-flight steps and their decision) |
 * | `needs_reconciliation` | `seq`, `call_id`, `tool`, `started_at`, `pending`                     | a resume found a tool call in flight that may have run: the thread waits (`paused`) for a person's `rerun` or `skip` |
 * | `turn_start`        | `turn`                                                                   | a model turn begins                                  |
 * | `user_message`      | `turn`, `text`, `injected?`                                              | the first message, or one injected by a supervisor   |
 * | `assistant_message` | `turn`, `text`, `tool_calls` (`[{id, name}]`)                            | the model answered                                   |
 * | `tool_call`         | `turn`, `id`, `name`, `args_hash`, `jti`, `capability`, `target?`, `grant?` | a meta-tool call starts (arguments hashed, not stored); `grant` is the `tool.execute` grant covering `target`, null when none |
 * | `tool_result`       | `turn`, `id`, `name`, `success`, `error_code?`, `error_message?`         | the call finished (`error_message`: running it threw) |
 * | `cost_update`       | `turn`, `turn_usage`, `usage` (running totals), `usd` (null: unpriced), `unpriced`, `compaction?` | after each model call (`compaction: true`: a compaction's summarizing call, not a turn) |
 * | `compacted`         | `turn`, `tokens_before`, `tokens_after` (estimated context of the call), `messages` (how many the summary stands for), `usage`, `usd` (null: unpriced), `unpriced` | older turns were replaced by a model-written summary before the model call of `turn` (context compaction) |
 * | `warning`           | `kind` (context, budget, loop, compaction, tool_error) or `code`, `message`, `calls?` | something to note that does not stop the thread (`tool_error`: a harness's tool calls threw; `code`, and the `calls` that got it as their result) |
 * | `signal`            | `kind` (stuck, escalate, checkpoint), `reason`, `topic?`                 | `help` signals and budget escalations                |
 * | `intervention`      | `action` (pause, resume, inject_message, terminate, kill), `chars?`, `limits?`, `immediate?` | a supervisor acted (message text is not copied) |
 * | `status`            | `status`, `reason`                                                       | the registry status changed                          |
 * | `checkpoint`        | `turn`, `checkpoint_seq`                                                 | the run's state was saved in the registry            |
 * | `stream_incomplete` | `turn`, `code`, `message`                                                | a model stream was cut                               |
 * | `budget_exceeded`   | `message` ("Budget exceeded: X of Y used", "… of its $Y reservation used", "… used in the budget tree of <id>", then "; the next call needs about …" when no call fits) | a cost budget stopped the thread |
 * | `context_exceeded`  | `message`                                                                | one call overflowed the context budget               |
 * | `child_spawned`     | `child_id`, `directive`, `budget` (the reservation)                      | the thread spawned a child                           |
 * | `child_completed`   | `child_id`, `status`, `reason`, `spent` (`{usd, tokens}`)                 | a child ended                                        |
 * | `error`             | `code`, `message`                                                        | the run failed                                       |
 * | `completed`         | `status`, `reason`, `turns`, `usage`, `final_text`                        | the thread ended (one per thread); followers stop    |
 *
 * Guarantees: each line is written with one `write(2)` on an `O_APPEND` descriptor, so concurrent writers
 * never interleave inside a line; secrets are replaced with `[REDACTED]` before the line reaches the file;
 * a line is at most {@link MAX_TRANSCRIPT_LINE_BYTES} bytes (longer strings end in `… (truncated N chars)`).
 * A crash can leave the last line without its `\n` ("torn"); readers drop it. A writer that reopens such a
 * file ends the torn fragment with `\n` and writes a `warning` with code {@link TORN_LINE_WARNING_CODE}
 * in the same write; readers skip a bad line directly followed by that warning.
 */

/** The version every line carries in `v`. */
export const TRANSCRIPT_FORMAT_VERSION = 1;

/** Longest line, in UTF-8 bytes including the final `\n`: 256 KiB. */
export const MAX_TRANSCRIPT_LINE_BYTES = 256 * 1024;

/** The `code` of the warning a writer adds after ending a torn line left by a crash. */
export const TORN_LINE_WARNING_CODE = ErrorCode.TRANSCRIPT_TORN_LINE;

/** The event types Kiwi writes (see the table above). Other `[a-z][a-z0-9_]*` types are allowed. */
export const TRANSCRIPT_EVENT_TYPES = [
  "spawned",
  "directive_loaded",
  "token_minted",
  "resumed",
  "needs_reconciliation",
  "turn_start",
  "user_message",
  "assistant_message",
  "tool_call",
  "tool_result",
  "cost_update",
  "compacted",
  "warning",
  "signal",
  "intervention",
  "status",
  "checkpoint",
  "stream_incomplete",
  "budget_exceeded",
  "context_exceeded",
  "child_spawned",
  "child_completed",
  "error",
  "completed",
] as const;

export type TranscriptEventType = (typeof TRANSCRIPT_EVENT_TYPES)[number];

/** One line of a transcript. */
export type TranscriptEvent = {
  v: 1;
  ts: string;
  seq: number;
  type: string;
  [k: string]: unknown;
};

/** What an event type must look like. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** Either a valid event, or why the text is not one. */
export type ParsedLine = { ok: true; event: TranscriptEvent } | { ok: false; reason: string };

/**
 * Parses one line (without its `\n`) into an event: a JSON object whose `v` is 1, `ts` a string, `seq` a
 * non-negative integer and `type` a string matching {@link EVENT_TYPE_PATTERN}.
 */
export function parseTranscriptLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "not a JSON object" };
  }
  const e = value as Record<string, unknown>;
  if (e.v !== TRANSCRIPT_FORMAT_VERSION) {
    return typeof e.v === "number" && e.v > TRANSCRIPT_FORMAT_VERSION
      ? {
          ok: false,
          reason: `format version ${e.v} is newer than this reader (${TRANSCRIPT_FORMAT_VERSION}): upgrade`,
        }
      : { ok: false, reason: "missing or unknown format version v" };
  }
  if (typeof e.ts !== "string") return { ok: false, reason: "ts is not a string" };
  if (typeof e.seq !== "number" || !Number.isSafeInteger(e.seq) || e.seq < 0) {
    return { ok: false, reason: "seq is not a non-negative integer" };
  }
  if (typeof e.type !== "string" || !EVENT_TYPE_PATTERN.test(e.type)) {
    return { ok: false, reason: "type is not a valid event type" };
  }
  return { ok: true, event: e as TranscriptEvent };
}

/** True for the warning a writer appends right after ending a torn line. */
export function isTornLineWarning(event: TranscriptEvent): boolean {
  return event.type === "warning" && event.code === TORN_LINE_WARNING_CODE;
}
