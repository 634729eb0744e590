import { constants, type FileHandle, open } from "node:fs/promises";
import { resolveSinkPath } from "@kiwi/sinks/node";
import { KiwiError, type SinkContext, type SinkEvent, type SinkV1 } from "@kiwi/spec";
import { type JsonlCounterSinkSettings, jsonlCounterSinkSettingsSchema } from "./jsonl-counter-sink-settings";

/** What `createJsonlCounterSink` returns: a sink-v1 object plus read-only counters (tests, hosts). */
export interface JsonlCounterSink extends SinkV1 {
  /** Absolute path of the file being written. */
  readonly file: string;
  readonly counts: Readonly<Record<string, number>>;
}

// O_NOFOLLOW: a symlink planted at the final path component makes open fail instead of writing through it.
const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0);

function writeFailed(path: string, cause: unknown): KiwiError {
  return new KiwiError({
    code: "SINK_WRITE_FAILED",
    message: `jsonl_counter_sink could not write ${path}: ${(cause as Error).message}; check free space and permissions`,
    context: { path },
    cause,
  });
}

/**
 * jsonl_counter_sink (`sink-v1`): one JSON line `{n, event, data, id?}` per kept event, in order, and a
 * `{summary}` line on close. The file is opened by the factory, so a refused path (absolute, `..`, a
 * symlink out of the project) fails before the stream starts rather than after the first event.
 */
export async function createJsonlCounterSink(
  settings: JsonlCounterSinkSettings,
  context: SinkContext,
): Promise<JsonlCounterSink> {
  // The loader has validated already; parsing again keeps a direct call (tests, other hosts) just as strict.
  const { path, events, summary } = jsonlCounterSinkSettingsSchema.parse(settings);
  // Shared helper from @kiwi/sinks/node: confines the path to the project root and creates missing folders.
  const { file } = await resolveSinkPath(context.projectRoot, path);
  let handle: FileHandle;
  try {
    handle = await open(file, FLAGS, 0o644);
  } catch (cause) {
    throw new KiwiError({
      code: "SINK_OPEN_FAILED",
      message: `jsonl_counter_sink cannot open ${path}: ${(cause as NodeJS.ErrnoException).code ?? "error"}`,
      context: { path },
      cause,
    });
  }
  const keep = events ? new Set(events) : undefined;
  const counts: Record<string, number> = Object.create(null);
  let written = 0;
  let skipped = 0;
  let closing: Promise<void> | undefined;

  const append = async (value: unknown) => {
    try {
      // JSON.stringify escapes newlines inside data, so one event can never forge a second line.
      await handle.write(`${JSON.stringify(value)}\n`);
    } catch (cause) {
      throw writeFailed(path, cause);
    }
  };

  return {
    specificationVersion: "sink-v1",
    id: "jsonl_counter_sink",
    file,
    get counts() {
      return { ...counts };
    },
    // The writer awaits the returned promise before handing this sink the next event: order is kept.
    async write(event: SinkEvent) {
      if (closing) {
        throw new KiwiError({
          code: "SINK_CLOSED",
          message: "jsonl_counter_sink: write after close; create a new sink for a new stream",
        });
      }
      if (keep && !keep.has(event.event)) {
        skipped += 1;
        return;
      }
      counts[event.event] = (counts[event.event] ?? 0) + 1;
      written += 1;
      await append({
        n: written,
        event: event.event,
        data: event.data,
        ...(event.id === undefined ? {} : { id: event.id }),
      });
    },
    async flush() {
      if (!closing) await handle.datasync();
    },
    // Called on success, error and abort alike, possibly twice: the second call awaits the first.
    close() {
      closing ??= (async () => {
        try {
          if (summary) await append({ summary: { written, skipped, by_event: { ...counts } } });
        } finally {
          await handle.close();
        }
      })();
      return closing;
    },
  };
}

createJsonlCounterSink.settingsSchema = jsonlCounterSinkSettingsSchema;
