import { createSinkFanOut, type SinkFanOut } from "@kiwi/sinks";
import type { SinkEvent, SinkFailure, SinkV1 } from "@kiwi/spec";

/**
 * Queues the output lines of both pipes, in the order they were read, behind the one sink fan-out of
 * `@kiwi/sinks` (which isolates a failing sink). Each event's writes are awaited before the next, so a
 * sink sees its events in sequence and a slow sink holds the pipe back instead of memory growing.
 */
export class SinkWriter {
  readonly #fanOut: SinkFanOut;
  #queue: Promise<void> = Promise.resolve();

  constructor(sinks: readonly SinkV1[]) {
    this.#fanOut = createSinkFanOut(sinks);
  }

  get active(): boolean {
    return this.#fanOut.ids.length > 0;
  }

  /** Failed sinks, for the result's `sink_errors`. */
  get failures(): readonly SinkFailure[] {
    return this.#fanOut.failures;
  }

  /** Queues events behind earlier ones; the promise settles (never rejects) once they were written. */
  write(events: readonly SinkEvent[]): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      for (const event of events) await this.#fanOut.write(event);
    });
    return this.#queue;
  }

  /** Resolves when everything queued so far has been written. */
  idle(): Promise<void> {
    return this.#queue;
  }
}
