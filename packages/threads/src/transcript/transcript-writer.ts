import { closeSync, fstatSync, mkdirSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { openForAppend } from "./open-for-append";
import { openFailure, transcriptCorrupt, transcriptUnavailable } from "./transcript-errors";
import {
  EVENT_TYPE_PATTERN,
  MAX_TRANSCRIPT_LINE_BYTES,
  parseTranscriptLine,
  TORN_LINE_WARNING_CODE,
  TRANSCRIPT_FORMAT_VERSION,
  type TranscriptEvent,
  type TranscriptEventType,
} from "./transcript-format";
import { isBlank, linesBackward, readAt } from "./transcript-lines";

export interface TranscriptWriterOptions {
  /**
   * Applied to every string of the event and then to the whole serialised line, e.g.
   * `createRedactor([...secretsFromEnv(childEnv), apiKey])`. Default: nothing is redacted.
   */
  redact?: (text: string) => string;
  /** The clock for `ts`. Default: `new Date()`. */
  now?: () => Date;
}

const RESERVED = new Set(["v", "ts", "seq", "type"]);
/** How long a last line without `\n` must stay unchanged before it counts as torn rather than being written. */
const TORN_SETTLE_MS = 25;
const TORN_SETTLE_TRIES = 4;

/**
 * Appends events to a JSONL transcript (see `transcript-format.ts`). Each event is one line written with a
 * single `write(2)` on an `O_APPEND` descriptor, so several writers (threads, processes) may share a file and
 * readers never see two lines mixed. Synchronous: when `write` returns, the line is in the file.
 */
export class TranscriptWriter {
  readonly #file: string;
  readonly #redact: (text: string) => string;
  readonly #now: () => Date;
  #fd: number | undefined;
  #seq: number;

  private constructor(file: string, fd: number, lastSeq: number, options: TranscriptWriterOptions) {
    this.#file = file;
    this.#fd = fd;
    this.#seq = lastSeq;
    this.#redact = options.redact ?? ((text) => text);
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Opens (creating it, and its folders with mode 0700, when missing) the transcript at `file` for appending.
   * A new file gets mode 0600. `seq` continues from the file's last event. Throws TRANSCRIPT_UNAVAILABLE
   * for a symlink, a non-regular file, a file with several hard links or an open failure, and
   * TRANSCRIPT_CORRUPT when the last complete line is not an event.
   */
  static open(file: string, options: TranscriptWriterOptions = {}): TranscriptWriter {
    try {
      // A writer used on its own names any file; ThreadManager has already made its folder in the project.
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw openFailure(file, cause, false);
    }
    const fd = openForAppend(file);
    try {
      const { lastSeq, tail, tornBytes } = inspectTail(file, fd);
      if (tail === "unterminated") writeAll(file, fd, Buffer.from("\n"));
      const writer = new TranscriptWriter(file, fd, lastSeq, options);
      if (tail === "torn") writer.#appendTornRecovery(tornBytes);
      return writer;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  get path(): string {
    return this.#file;
  }

  /** The `seq` of the last event written (or found in the file when opened); 0 for a new file. */
  get lastSeq(): number {
    return this.#seq;
  }

  get closed(): boolean {
    return this.#fd === undefined;
  }

  /**
   * Appends one event and returns it exactly as written (redacted, truncated). `v`, `ts`, `seq` and `type`
   * keys in `fields` are ignored. Fields must be JSON-serialisable (INVALID_INPUT otherwise). Throws
   * TRANSCRIPT_UNAVAILABLE after `close` or when the write fails.
   */
  write(type: TranscriptEventType | (string & {}), fields: Record<string, unknown> = {}): TranscriptEvent {
    return JSON.parse(this.#append(type, fields, "").line) as TranscriptEvent;
  }

  /** Like `write`, but returns only the event's `seq` (the line written is not parsed back). */
  append(type: TranscriptEventType | (string & {}), fields: Record<string, unknown> = {}): number {
    return this.#append(type, fields, "").seq;
  }

  /** Closes the file. Calling it again does nothing. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  /** Ends a crash's torn fragment with `\n` and says so, in one write (see transcript-format.ts). */
  #appendTornRecovery(tornBytes: number): void {
    const message = `the previous line (${tornBytes} bytes) was cut short by a crash and is ignored by readers`;
    this.#append("warning", { code: TORN_LINE_WARNING_CODE, message }, "\n");
  }

  #append(type: string, fields: Record<string, unknown>, prefix: string): { line: string; seq: number } {
    const fd = this.#fd;
    if (fd === undefined) {
      throw transcriptUnavailable(
        this.#file,
        "write after close",
        "open a new TranscriptWriter to append more",
      );
    }
    if (typeof type !== "string" || !EVENT_TYPE_PATTERN.test(type)) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `transcript event type ${JSON.stringify(String(type).slice(0, 80))} is invalid: use 1-64 characters of [a-z0-9_] starting with a letter, e.g. "tool_call"`,
        context: { file: this.#file },
      });
    }
    const seq = this.#seq + 1;
    const head = { v: TRANSCRIPT_FORMAT_VERSION, ts: this.#now().toISOString(), seq, type };
    const line = encodeLine(head, toPlainFields(fields, this.#file), this.#redact);
    writeAll(this.#file, fd, Buffer.from(`${prefix}${line}\n`, "utf8"));
    this.#seq = seq;
    return { line, seq };
  }
}

/** A JSON copy of the fields (dates become strings, undefined goes), without the reserved keys. */
function toPlainFields(fields: Record<string, unknown>, file: string): Record<string, unknown> {
  let plain: unknown;
  try {
    plain = JSON.parse(JSON.stringify(fields ?? {}) ?? "{}");
  } catch (cause) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `transcript event fields must be JSON-serialisable (${(cause as Error).message}); pass plain objects, strings and numbers, no BigInt or cycles`,
      context: { file },
      cause,
    });
  }
  if (typeof plain !== "object" || plain === null || Array.isArray(plain)) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: "transcript event fields must be an object of named fields",
      context: { file },
    });
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(plain)) if (!RESERVED.has(key)) out[key] = value;
  return out;
}

/** A string found in the event, with where it lives so it can be cut. */
interface StringSlot {
  readonly holder: Record<string | number, unknown>;
  readonly key: string | number;
  readonly original: string;
  kept: number;
}

/** Strings shorter than this are never cut: the marker would be longer than what it saves. */
const MIN_CUTTABLE = 64;

/** Redacts every string and key of a JSON tree (so a cut can never expose part of a secret). */
function redactTree(value: unknown, redact: (text: string) => string, slots: StringSlot[]): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  const holder = (Array.isArray(value) ? [] : {}) as Record<string | number, unknown>;
  for (const [key, inner] of Object.entries(value)) {
    const name = Array.isArray(value) ? Number(key) : redact(key);
    const redacted = redactTree(inner, redact, slots);
    holder[name] = redacted;
    if (typeof redacted === "string")
      slots.push({ holder, key: name, original: redacted, kept: redacted.length });
  }
  return holder;
}

function truncationMarker(removed: number): string {
  return `… (truncated ${removed} chars)`;
}

/** UTF-8 bytes one UTF-16 unit takes inside a JSON string (a surrogate pair: 2 + 2). */
function jsonBytes(code: number, next: number): number {
  if (code === 0x22 || code === 0x5c) return 2; // \" and \\
  if (code < 0x20)
    return code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return next >= 0xdc00 && next <= 0xdfff ? 2 : 6;
  if (code >= 0xdc00 && code <= 0xdfff) return 2; // the low half of a pair (a lone one was counted before)
  return 3;
}

/** How many UTF-16 units of `text` fit in `maxBytes` of serialised JSON, never splitting a surrogate pair. */
function prefixFitting(text: string, maxBytes: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const pair = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
    const cost = pair ? 4 : jsonBytes(code, next);
    if (bytes + cost > maxBytes) return i;
    bytes += cost;
    if (pair) i++;
  }
  return text.length;
}

/**
 * Serialises an event as one line (no `\n`): every string and key redacted, then the longest strings cut
 * (ending in `… (truncated N chars)`) until the line fits {@link MAX_TRANSCRIPT_LINE_BYTES}, then the whole
 * line redacted again. When nothing is left to cut, the fields give way to `"truncated":true` and the
 * original size; when the final redaction breaks the JSON (a secret spanning syntax), to `"redacted":true`.
 */
export function encodeLine(
  head: { v: number; ts: string; seq: number; type: string },
  fields: Record<string, unknown>,
  redact: (text: string) => string,
): string {
  const slots: StringSlot[] = [];
  const body = redactTree(fields, redact, slots) as Record<string, unknown>;
  const limit = MAX_TRANSCRIPT_LINE_BYTES - 1; // room for the "\n"
  let line = JSON.stringify({ ...head, ...body });
  let bytes = Buffer.byteLength(line, "utf8");
  const originalBytes = bytes;
  while (bytes > limit) {
    let longest: StringSlot | undefined;
    for (const slot of slots) {
      if (slot.kept >= MIN_CUTTABLE && (longest === undefined || slot.kept > longest.kept)) longest = slot;
    }
    if (longest === undefined) {
      line = JSON.stringify({ ...head, truncated: true, original_bytes: originalBytes });
      break;
    }
    // Shrink this string's serialised size by the excess, plus room for the (longest possible) marker.
    const current = Buffer.byteLength(JSON.stringify(longest.holder[longest.key]), "utf8") - 2;
    const markerBytes = Buffer.byteLength(truncationMarker(longest.original.length), "utf8");
    const budget = current - (bytes - limit) - markerBytes;
    const kept = budget <= 0 ? 0 : Math.min(longest.kept - 1, prefixFitting(longest.original, budget));
    longest.kept = Math.max(0, kept);
    longest.holder[longest.key] =
      `${longest.original.slice(0, longest.kept)}${truncationMarker(longest.original.length - longest.kept)}`;
    line = JSON.stringify({ ...head, ...body });
    bytes = Buffer.byteLength(line, "utf8");
  }
  const redacted = redact(line);
  if (redacted === line) return line;
  if (parseTranscriptLine(redacted).ok && Buffer.byteLength(redacted, "utf8") <= limit) return redacted;
  return JSON.stringify({ ...head, redacted: true });
}

function writeAll(file: string, fd: number, buffer: Buffer): void {
  try {
    for (let done = 0; done < buffer.length; ) done += writeSync(fd, buffer, done, buffer.length - done);
  } catch (cause) {
    throw transcriptUnavailable(
      file,
      "a write failed",
      "check free disk space and the file's permissions",
      cause,
    );
  }
}

/** Blocks the thread for `ms` (only used for a few ms while a torn-looking last line settles). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How the file ends: `torn` a crash's fragment, `unterminated` a whole event missing only its `\n`. */
type TailState = "clean" | "torn" | "unterminated";

/**
 * The last event's seq and how the file ends. A last line without `\n` may be another writer's line still
 * being written: it counts as torn or unterminated only once the file has stopped growing for a moment.
 */
function inspectTail(file: string, fd: number): { lastSeq: number; tail: TailState; tornBytes: number } {
  for (let attempt = 0; ; attempt++) {
    const size = fstatSync(fd).size;
    if (size === 0) return { lastSeq: 0, tail: "clean", tornBytes: 0 };
    if (readAt(fd, size - 1, 1)[0] === 0x0a || attempt >= TORN_SETTLE_TRIES) return scanTail(file, fd, size);
    sleepSync(TORN_SETTLE_MS);
    if (fstatSync(fd).size === size) return scanTail(file, fd, size);
  }
}

function scanTail(
  file: string,
  fd: number,
  size: number,
): { lastSeq: number; tail: TailState; tornBytes: number } {
  let tail: TailState = "clean";
  let tornBytes = 0;
  for (const line of linesBackward(fd, size)) {
    if (isBlank(line.text)) continue;
    const parsed = parseTranscriptLine(line.text);
    if (!line.terminated) {
      if (parsed.ok) return { lastSeq: parsed.event.seq, tail: "unterminated", tornBytes: 0 };
      tail = "torn";
      tornBytes = size - line.offset;
      continue;
    }
    if (!parsed.ok) throw transcriptCorrupt(file, { offset: line.offset }, parsed.reason);
    return { lastSeq: parsed.event.seq, tail, tornBytes };
  }
  return { lastSeq: 0, tail, tornBytes };
}
