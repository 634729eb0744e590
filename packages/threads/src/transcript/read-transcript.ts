import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { KiwiError } from "@kiwi/spec";
import { notRegularFile, openFailure, transcriptCorrupt } from "./transcript-errors";
import {
  isTornLineWarning,
  type ParsedLine,
  parseTranscriptLine,
  type TranscriptEvent,
} from "./transcript-format";
import { isBlank, LineJudge, linesBackward, linesForward } from "./transcript-lines";

// O_NOFOLLOW: a symlink at the path fails the open (ELOOP). O_NONBLOCK: a FIFO cannot block the open.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface ReadTranscriptOptions {
  /** Only the last N events (after `afterSeq` filtering), read backwards from the end of the file. */
  lastN?: number;
  /** Only events whose `seq` is greater than this. */
  afterSeq?: number;
}

export interface ReadTranscriptResult {
  /** The events, in file order. */
  events: TranscriptEvent[];
  /**
   * True when the file ended in an incomplete line that is not an event (a crash mid-write, or a write in
   * progress at the moment of reading); that line is not in `events`.
   */
  torn: boolean;
}

/** Opens a transcript for reading, refusing symlinks and anything but a regular file. */
export function openTranscriptForRead(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (cause) {
    throw openFailure(file, cause, true);
  }
  const info = fstatSync(fd);
  if (!info.isFile()) {
    closeSync(fd);
    throw notRegularFile(file);
  }
  return { fd, size: info.size };
}

function checkOptions(file: string, options: ReadTranscriptOptions): void {
  const { lastN, afterSeq } = options;
  if (lastN !== undefined && (!Number.isSafeInteger(lastN) || lastN < 0)) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `lastN must be a non-negative integer, got ${String(lastN)}; omit it to read every event`,
      context: { file },
    });
  }
  if (afterSeq !== undefined && (typeof afterSeq !== "number" || Number.isNaN(afterSeq))) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `afterSeq must be a number, got ${String(afterSeq)}; omit it to read from the start`,
      context: { file },
    });
  }
}

/**
 * Reads a transcript as it is now. A final line without `\n` that is not an event is dropped and reported
 * as `torn`; any other bad line throws TRANSCRIPT_CORRUPT naming it (except a crash's fragment that a
 * reopening writer marked, see transcript-format.ts). A missing file throws ITEM_NOT_FOUND; a symlink or a
 * non-regular file TRANSCRIPT_UNAVAILABLE. With `lastN`, only the end of the file is read.
 */
export function readTranscript(file: string, options: ReadTranscriptOptions = {}): ReadTranscriptResult {
  checkOptions(file, options);
  const { fd, size } = openTranscriptForRead(file);
  try {
    const after = options.afterSeq ?? Number.NEGATIVE_INFINITY;
    return options.lastN === undefined
      ? readForward(file, fd, size, after)
      : readBackward(file, fd, size, after, options.lastN);
  } finally {
    closeSync(fd);
  }
}

function readForward(file: string, fd: number, size: number, after: number): ReadTranscriptResult {
  const judge = new LineJudge(file);
  const events: TranscriptEvent[] = [];
  let torn = false;
  let lineNo = 0;
  for (const line of linesForward(fd, 0, size)) {
    lineNo++;
    const at = { line: lineNo, offset: line.offset };
    if (line.terminated) {
      const event = judge.accept(line.text, at);
      if (event !== undefined && event.seq > after) events.push(event);
    } else {
      const last = judge.acceptUnterminated(line.text, at);
      torn = last.torn;
      if (last.event !== undefined && last.event.seq > after) events.push(last.event);
    }
  }
  judge.finish();
  return { events, torn };
}

function readBackward(
  file: string,
  fd: number,
  size: number,
  after: number,
  lastN: number,
): ReadTranscriptResult {
  const newestFirst: TranscriptEvent[] = [];
  let torn = false;
  // The nearest non-blank line after the current one in file order: a bad line is a marked torn fragment
  // only when the torn-line warning directly follows it.
  let following: ParsedLine | undefined;
  for (const line of linesBackward(fd, size)) {
    if (line.terminated && newestFirst.length >= lastN) break;
    if (isBlank(line.text)) continue;
    const parsed = parseTranscriptLine(line.text);
    if (!parsed.ok) {
      if (!line.terminated) torn = true;
      else if (!(following?.ok && isTornLineWarning(following.event))) {
        throw transcriptCorrupt(file, { offset: line.offset }, parsed.reason);
      }
    } else if (parsed.event.seq > after) {
      newestFirst.push(parsed.event);
    }
    following = parsed;
  }
  return { events: newestFirst.slice(0, lastN).reverse(), torn };
}
