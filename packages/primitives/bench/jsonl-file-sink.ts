import { createWriteStream } from "node:fs";
import type { SinkEvent, SinkV1 } from "@kiwi/spec";

/**
 * A minimal JSONL file sink for the benchmark (the real file_sink lives in @kiwi/sinks): one JSON line
 * per event, gathered into ~64 KiB writes to an fs write stream; write() returns a promise only when
 * the stream asks the writer to wait (backpressure).
 */
export function createJsonlFileSink(path: string): SinkV1 {
  // A 1 MiB high-water mark: with fs's 16 KiB default every 64 KiB write would wait for the disk.
  const out = createWriteStream(path, { flags: "a", highWaterMark: 1024 * 1024 });
  let pending = "";
  // Event names repeat: build `{"event":"…","data":` once per name, then only the data is escaped.
  const prefixes = new Map<string, string>();
  const line = (event: SinkEvent) => {
    let prefix = prefixes.get(event.event);
    if (prefix === undefined) {
      prefix = `{"event":${JSON.stringify(event.event)},"data":`;
      if (prefixes.size < 256) prefixes.set(event.event, prefix);
    }
    const id = event.id === undefined ? "" : `,"id":${JSON.stringify(event.id)}`;
    return `${prefix}${JSON.stringify(event.data)}${id}}\n`;
  };
  const push = (): Promise<void> | undefined => {
    const ok = out.write(pending);
    pending = "";
    if (ok) return undefined;
    return new Promise((resolve) => out.once("drain", resolve));
  };
  return {
    specificationVersion: "sink-v1",
    id: "bench_file_sink",
    write(event: SinkEvent) {
      pending += line(event);
      return pending.length >= 64 * 1024 ? push() : undefined;
    },
    async flush() {
      if (pending) await push();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (pending) out.write(pending);
        pending = "";
        out.end((error?: Error | null) => (error ? reject(error) : resolve()));
      }),
  };
}
