import type { Readable } from "node:stream";
import { LineSplitter, type SplitLine } from "../jsonrpc/line-splitter";
import type { CappedOutput } from "./capped-output";
import type { SinkWriter } from "./sink-writer";

/**
 * Reads one output stream of a child into its capped buffer and, when `maxLineBytes` is given, streams
 * its lines to the sinks as `{event: name, data: line}` (`truncated: true` on a cut line; the partial
 * last line is sent when the stream closes). Resolves once the stream has closed.
 */
export function collectOutput(o: {
  stream: Readable;
  name: "stdout" | "stderr";
  capture: CappedOutput;
  sinks: SinkWriter;
  /** Undefined: no line streaming. */
  maxLineBytes: number | undefined;
  /** Called once, when the stream first exceeds the cap. */
  onOverflow(): void;
  onTruncatedLine(): void;
}): Promise<void> {
  const splitter = o.maxLineBytes === undefined ? undefined : new LineSplitter(o.maxLineBytes);
  const events = (lines: SplitLine[]) =>
    lines.map(({ bytes, truncated }) => {
      const data = bytes.toString("utf8");
      if (!truncated) return { event: o.name, data };
      o.onTruncatedLine();
      return { event: o.name, data, truncated: true as const };
    });
  o.stream.on("data", (chunk: Buffer) => {
    if (o.capture.append(chunk)) o.onOverflow();
    const lines = splitter?.push(chunk) ?? [];
    if (lines.length === 0) return;
    // Backpressure: the child waits on a full pipe rather than our memory growing behind a slow sink.
    o.stream.pause();
    void o.sinks.write(events(lines)).then(() => o.stream.resume());
  });
  return new Promise((resolve) =>
    o.stream.once("close", () => {
      const last = splitter?.flush();
      if (last) void o.sinks.write(events([last]));
      resolve();
    }),
  );
}
