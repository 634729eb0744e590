import { constants, type FSWatcher, watch } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { KiwiError } from "@kiwi/spec";
import { errnoOf, notRegularFile, openFailure, transcriptCorrupt } from "./transcript-errors";
import { MAX_TRANSCRIPT_LINE_BYTES, type TranscriptEvent } from "./transcript-format";
import { CHUNK_BYTES, LineJudge, LineSplitter, linesBackward } from "./transcript-lines";

// O_NOFOLLOW: a symlink at the path fails the open (ELOOP). O_NONBLOCK: a FIFO cannot block the open.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** A partial line longer than this is not a line being written (writers cap lines at 256 KiB): give up. */
const MAX_PENDING_BYTES = 4 * MAX_TRANSCRIPT_LINE_BYTES;

export interface FollowTranscriptOptions {
  /** Ends the iteration (without an error) when aborted. Breaking out of the loop works too. */
  signal?: AbortSignal;
  /** Start with the events already in the file (default true); false starts at the current last line. */
  fromStart?: boolean;
  /** How often to look for new lines (and for the file to appear) when no change notice came; default 100. */
  pollMs?: number;
  /** Only events whose `seq` is greater than this. */
  afterSeq?: number;
  /** End right after yielding a `completed` event (default true). */
  stopOnCompleted?: boolean;
}

/**
 * Yields a transcript's events as they are appended, like `tail -f`: waits for the file to appear, yields
 * what is there (unless `fromStart` is false), then new lines as they complete (a partial line is held until
 * its `\n`). Change notices come from `fs.watch` where it works, with polling every `pollMs` as a fallback.
 * Ends when `signal` aborts, or after a `completed` event when `stopOnCompleted`. Throws TRANSCRIPT_CORRUPT
 * for a bad line, a file that shrinks (transcripts only grow) or a partial line past 1 MiB (writers cap lines
 * at 256 KiB), and TRANSCRIPT_UNAVAILABLE for a symlink or a non-regular file.
 */
export async function* followTranscript(
  file: string,
  options: FollowTranscriptOptions = {},
): AsyncGenerator<TranscriptEvent, void, undefined> {
  const { signal, fromStart = true, pollMs = 100, stopOnCompleted = true } = options;
  if (!(typeof pollMs === "number" && pollMs > 0 && Number.isFinite(pollMs))) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `pollMs must be a positive number of milliseconds, got ${String(pollMs)}; omit it for 100`,
      context: { file },
    });
  }
  const after = options.afterSeq ?? Number.NEGATIVE_INFINITY;
  const handle = await openWhenPresent(file, pollMs, signal);
  if (handle === undefined) return;
  const changes = new ChangeNotices(file);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegularFile(file);
    let position = fromStart ? 0 : startOfLastLine(handle.fd, info.size);
    let lineNo = fromStart ? 0 : undefined;
    const splitter = new LineSplitter(position);
    const judge = new LineJudge(file);
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    while (!signal?.aborted) {
      changes.clear();
      const size = (await handle.stat()).size;
      if (size < position) {
        throw transcriptCorrupt(file, { offset: size }, `the file shrank from ${position} to ${size} bytes`);
      }
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        const lines = splitter.push(buffer.subarray(0, bytesRead), position);
        position += bytesRead;
        for (const line of lines) {
          if (lineNo !== undefined) lineNo++;
          const event = judge.accept(line.text, { line: lineNo, offset: line.offset });
          if (event === undefined || event.seq <= after) continue;
          yield event;
          if (signal?.aborted || (stopOnCompleted && event.type === "completed")) return;
        }
        if (splitter.pendingBytes > MAX_PENDING_BYTES) {
          const at = { offset: position - splitter.pendingBytes };
          throw transcriptCorrupt(file, at, `no line break in ${splitter.pendingBytes} bytes`);
        }
      }
      await changes.next(pollMs, signal);
    }
  } finally {
    changes.close();
    await handle.close();
  }
}

/** Opens the transcript, polling until it exists; undefined when aborted first. */
async function openWhenPresent(
  file: string,
  pollMs: number,
  signal?: AbortSignal,
): Promise<FileHandle | undefined> {
  while (!signal?.aborted) {
    try {
      return await open(file, READ_FLAGS);
    } catch (cause) {
      if (errnoOf(cause) !== "ENOENT") throw openFailure(file, cause, false);
    }
    await delay(pollMs, signal);
  }
  return undefined;
}

/** Where the last line starts (just after the last `\n`), so a line still being written is not skipped. */
function startOfLastLine(fd: number, size: number): number {
  for (const line of linesBackward(fd, size)) return line.offset;
  return 0;
}

/** Resolves after `ms`, on abort, or when `wake` is called, whichever comes first. */
function delay(ms: number, signal?: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    // An abort that came while the caller was reading fires no event any more: without this check the
    // wait would last the whole `ms` (seen under load as a follower ending 2 s after its abort).
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    onWake?.(done);
  });
}

/** `fs.watch` notices for one file; when watching is unsupported or fails, `next` simply waits `pollMs`. */
class ChangeNotices {
  #watcher: FSWatcher | undefined;
  #changed = false;
  #wake: (() => void) | undefined;

  constructor(file: string) {
    try {
      this.#watcher = watch(file, { persistent: false }, () => {
        this.#changed = true;
        this.#wake?.();
      });
      this.#watcher.on("error", () => this.close());
    } catch {
      this.#watcher = undefined;
    }
  }

  /** Forgets notices that came before a read that will see their change anyway. */
  clear(): void {
    this.#changed = false;
  }

  /** Waits for a change notice, `pollMs`, or abort; returns at once if a notice came since `clear`. */
  async next(pollMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#changed) return;
    await delay(pollMs, signal, (wake) => {
      this.#wake = wake;
    });
    this.#wake = undefined;
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#wake = undefined;
  }
}
