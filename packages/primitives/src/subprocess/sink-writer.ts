/** The part of a sink (`sink-v1`) this primitive uses: it writes, the caller owns flush and close. */
export interface LineSink {
  readonly id?: string;
  write(event: { event: string; data: string; truncated?: true }): void | Promise<void>;
}

export interface SinkErrorRecord {
  sink: string;
  message: string;
}

/** Picks the sinks out of opaque `context.meta.__sinks`; anything without a write method is ignored. */
export function sinksFromMeta(meta: Readonly<Record<string, unknown>>): LineSink[] {
  const sinks = meta.__sinks;
  if (!Array.isArray(sinks)) return [];
  return sinks.filter(
    (sink): sink is LineSink =>
      typeof sink === "object" && sink !== null && typeof (sink as LineSink).write === "function",
  );
}

/**
 * Writes events to every sink in order, awaiting each write so a sink sees its events in sequence.
 * A sink that throws is marked failed and skipped from then on (per sink-v1); the process and the other
 * sinks go on, and the failure is reported once in `errors`.
 */
export class SinkWriter {
  readonly errors: SinkErrorRecord[] = [];
  private readonly failed = new Set<LineSink>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly sinks: readonly LineSink[]) {}

  get active(): boolean {
    return this.sinks.length > 0;
  }

  /** Queues events behind earlier ones; the promise settles (never rejects) once they were written. */
  write(events: ReadonlyArray<{ event: string; data: string; truncated?: true }>): Promise<void> {
    this.queue = this.queue.then(async () => {
      for (const event of events)
        await Promise.all(this.sinks.map((sink, i) => this.writeOne(sink, i, event)));
    });
    return this.queue;
  }

  /** Resolves when everything queued so far has been written. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async writeOne(sink: LineSink, index: number, event: Parameters<LineSink["write"]>[0]) {
    if (this.failed.has(sink)) return;
    try {
      await sink.write(event);
    } catch (error) {
      this.failed.add(sink);
      const message = error instanceof Error ? error.message : String(error);
      this.errors.push({ sink: typeof sink.id === "string" ? sink.id : `sink[${index}]`, message });
    }
  }
}
