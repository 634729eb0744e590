import { closeSync, fsync, ftruncateSync, writeSync } from "node:fs";
import { constants, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { SinkContext, SinkEvent, SinkV1 } from "@kiwi/spec";
import { ErrorCode, KiwiError } from "@kiwi/spec";
import { createEventEncoder } from "./create-event-encoder";
import { type FileSinkSettings, fileSinkSettingsSchema } from "./file-sink-settings";
import { openSinkFile } from "./open-sink-file";
import { invalidSettings, sinkClosed } from "./sink-errors";

/** A buffer also flushes when it holds this many bytes, whatever flush_every says: memory stays bounded. */
const MAX_BUFFER_BYTES = 1024 * 1024;

/** Test seams; production callers pass nothing. */
export interface FileSinkOptions {
  /** Clock for the `ts` field of JSONL lines. */
  readonly now?: () => Date;
  /** The descriptor calls the sink makes (default: node:fs), so a test can make one fail. */
  readonly io?: Partial<FileSinkIo>;
}

/** The calls a file_sink makes on its descriptor besides open: `writeSync` and `fsync` of node:fs. */
export interface FileSinkIo {
  writeSync(fd: number, buffer: Buffer, offset: number, length: number, position: null): number;
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
}

const NODE_IO: FileSinkIo = { writeSync, fsync };

/** file_sink: what `createFileSink` returns. `path` is the absolute file it writes. */
export interface FileSink extends SinkV1 {
  readonly path: string;
}

function writeFailed(path: string, step: string, cause: unknown): KiwiError {
  const errno = (cause as NodeJS.ErrnoException).code;
  return new KiwiError({
    code: ErrorCode.SINK_WRITE_FAILED,
    message: `file_sink ${step} failed on ${path} (${errno ?? "error"}); the file keeps only whole lines; check free space and permissions`,
    context: { path, step, errno },
    cause,
  });
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes a newly created file's directory entry durable; not every platform can open a folder for this.
  const handle = await open(dir, constants.O_RDONLY).catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => {});
  await handle.close().catch(() => {});
}

/**
 * file_sink: writes each event to a file inside the project, as JSONL (`{event, data, id?, ts}` per line,
 * `data` kept as the exact string) or raw (the data and a newline). Opens at creation, so a refused path
 * fails before the stream starts.
 */
export async function createFileSink(
  settings: FileSinkSettings,
  context: SinkContext,
  options: FileSinkOptions = {},
): Promise<FileSink> {
  const parsed = fileSinkSettingsSchema.safeParse(settings);
  if (!parsed.success) throw invalidSettings("file_sink", parsed.error.issues);
  const { path, format, flush_every: flushEvery, fsync_on_close: fsyncOnClose, append } = parsed.data;
  const clock = options.now;
  const encode = createEventEncoder(format, clock ? () => clock().getTime() : Date.now);
  const io: FileSinkIo = { ...NODE_IO, ...options.io };
  const opened = await openSinkFile({ projectRoot: context.projectRoot, path, append });
  const fd = opened.fd;
  let size = opened.size; // last size holding only whole lines
  let pending: string[] = [];
  let pendingBytes = 0;
  let failure: KiwiError | undefined;
  let closing: Promise<void> | undefined;

  // Writes are synchronous: a batch goes to the page cache as one write(2) (a few microseconds for the
  // usual batch, at most 1 MiB), where a thread-pool round trip per write, plus the promise chain that
  // orders them, cost several times that on every model call of every thread.
  function writeAll(bytes: Buffer): void {
    if (failure) throw failure;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += io.writeSync(fd, bytes, offset, bytes.length - offset, null);
      size += bytes.length;
    } catch (cause) {
      failure = writeFailed(path, "write", cause);
      try {
        ftruncateSync(fd, size); // roll back to the last whole line
      } catch {}
      throw failure;
    }
  }

  function drain(): void {
    if (pending.length === 0) return;
    const bytes = Buffer.from(pending.length === 1 ? pending[0]! : pending.join(""), "utf8");
    pending = [];
    pendingBytes = 0;
    writeAll(bytes);
  }

  async function closeOnce(): Promise<void> {
    let error: unknown;
    try {
      drain();
      if (fsyncOnClose) {
        // fsync waits for the disk: the one step left on the thread pool.
        await new Promise<void>((resolve, reject) =>
          io.fsync(fd, (e: NodeJS.ErrnoException | null) => (e ? reject(e) : resolve())),
        ).catch((cause) => {
          throw writeFailed(path, "fsync", cause);
        });
        // New directory entries (the file, created folders) are durable only once their folder is synced.
        for (const dir of new Set([opened.parent, ...opened.created.map((d) => dirname(d))]))
          await fsyncDir(dir);
      }
    } catch (cause) {
      error = KiwiError.isInstance(cause) ? cause : writeFailed(path, "flush", cause);
    }
    try {
      closeSync(fd);
    } catch (cause) {
      error ??= writeFailed(path, "close", cause);
    }
    if (error) throw error;
  }

  return {
    specificationVersion: "sink-v1",
    id: "file_sink",
    path: opened.abs,
    write(event: SinkEvent) {
      if (closing) throw sinkClosed("file_sink");
      if (failure) throw failure;
      const line = encode(event);
      pending.push(line);
      pendingBytes += line.length; // UTF-16 units: close enough for a memory bound
      if (pending.length >= flushEvery || pendingBytes >= MAX_BUFFER_BYTES) drain();
    },
    flush() {
      if (closing)
        return closing.then(
          () => {},
          () => {},
        );
      try {
        drain();
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    },
    close() {
      if (closing)
        return closing.then(
          () => {},
          () => {},
        ); // a second close is harmless
      closing = closeOnce();
      return closing;
    },
  };
}

createFileSink.settingsSchema = fileSinkSettingsSchema;
