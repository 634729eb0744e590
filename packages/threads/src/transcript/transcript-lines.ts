import { readSync } from "node:fs";
import { type LinePosition, transcriptCorrupt } from "./transcript-errors";
import { isTornLineWarning, parseTranscriptLine, type TranscriptEvent } from "./transcript-format";

/** How much is read at a time, forwards or backwards. */
export const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** One line of the file without its `\n`; `terminated` is false only for a final line missing its `\n`. */
export interface RawLine {
  readonly text: string;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  readonly terminated: boolean;
}

/** Cuts a byte stream into complete lines, keeping a partial last line until its `\n` arrives. */
export class LineSplitter {
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #carryStart: number;

  constructor(startOffset: number) {
    this.#carryStart = startOffset;
  }

  /** The complete lines `chunk` finishes; `chunk` must directly follow what was pushed before. */
  push(chunk: Buffer, chunkOffset: number): RawLine[] {
    const lines: RawLine[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
      const piece = chunk.subarray(from, nl);
      const bytes = this.#carry.length > 0 ? Buffer.concat([...this.#carry, piece]) : piece;
      lines.push({ text: bytes.toString("utf8"), offset: this.#carryStart, terminated: true });
      this.#carry = [];
      this.#carryBytes = 0;
      this.#carryStart = chunkOffset + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.#carry.push(Buffer.from(chunk.subarray(from)));
      this.#carryBytes += chunk.length - from;
    }
    return lines;
  }

  /** Bytes of the partial line held so far. */
  get pendingBytes(): number {
    return this.#carryBytes;
  }

  /** The partial line (no `\n` yet), or undefined when there is none. */
  rest(): RawLine | undefined {
    if (this.#carry.length === 0) return undefined;
    return { text: Buffer.concat(this.#carry).toString("utf8"), offset: this.#carryStart, terminated: false };
  }
}

/** Reads exactly `length` bytes at `position` unless the file ends first; returns what was read. */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/** The lines of bytes `[start, end)` of an open file, first to last, read in chunks. */
export function* linesForward(fd: number, start: number, end: number): Generator<RawLine> {
  const splitter = new LineSplitter(start);
  for (let pos = start; pos < end; ) {
    const chunk = readAt(fd, pos, Math.min(CHUNK_BYTES, end - pos));
    if (chunk.length === 0) break;
    yield* splitter.push(chunk, pos);
    pos += chunk.length;
  }
  const rest = splitter.rest();
  if (rest) yield rest;
}

/**
 * The lines of bytes `[0, end)` of an open file, last to first, read backwards in chunks: reading the last
 * few lines of a big transcript costs only those lines. The first line yielded is the one after the last
 * `\n` (unterminated; empty when the file ends with `\n`).
 */
export function* linesBackward(fd: number, end: number, chunkBytes = CHUNK_BYTES): Generator<RawLine> {
  let tail: Buffer[] = []; // pieces of the line being assembled, last piece first
  let terminated = false;
  for (let pos = end; pos > 0; ) {
    const start = Math.max(0, pos - chunkBytes);
    const chunk = readAt(fd, start, pos - start);
    let to = chunk.length;
    for (
      let nl = chunk.lastIndexOf(NEWLINE, to - 1);
      nl !== -1;
      nl = to > 0 ? chunk.lastIndexOf(NEWLINE, to - 1) : -1
    ) {
      const bytes = Buffer.concat([chunk.subarray(nl + 1, to), ...tail.reverse()]);
      yield { text: bytes.toString("utf8"), offset: start + nl + 1, terminated };
      terminated = true;
      tail = [];
      to = nl;
    }
    if (to > 0) tail.push(Buffer.from(chunk.subarray(0, to)));
    pos = start;
  }
  if (end > 0) yield { text: Buffer.concat(tail.reverse()).toString("utf8"), offset: 0, terminated };
}

export function isBlank(text: string): boolean {
  return text.trim() === "";
}

/**
 * Judges complete lines in file order. Blank lines are skipped. A bad line is held until the next line:
 * when that is the torn-line warning a reopening writer adds, the bad line was a crash's torn fragment and
 * is dropped; otherwise the transcript is corrupt (TRANSCRIPT_CORRUPT naming the bad line).
 */
export class LineJudge {
  #held: { at: LinePosition; reason: string } | undefined;

  constructor(private readonly file: string) {}

  /** A complete line: the event it holds, or undefined (blank, or a bad line held for now). */
  accept(text: string, at: LinePosition): TranscriptEvent | undefined {
    if (isBlank(text)) return undefined;
    const parsed = parseTranscriptLine(text);
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      if (!(parsed.ok && isTornLineWarning(parsed.event)))
        throw transcriptCorrupt(this.file, held.at, held.reason);
    }
    if (!parsed.ok) {
      this.#held = { at, reason: parsed.reason };
      return undefined;
    }
    return parsed.event;
  }

  /** The final line missing its `\n`: its event when it parses, else `torn` (a crash mid-write). */
  acceptUnterminated(text: string, at: LinePosition): { event?: TranscriptEvent; torn: boolean } {
    if (isBlank(text)) return { torn: false };
    const parsed = parseTranscriptLine(text);
    if (parsed.ok) {
      const event = this.accept(text, at);
      return event === undefined ? { torn: false } : { event, torn: false };
    }
    this.finish();
    return { torn: true };
  }

  /** The input ended: a bad line still held had no torn-line warning after it. */
  finish(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined) throw transcriptCorrupt(this.file, held.at, held.reason);
  }
}
