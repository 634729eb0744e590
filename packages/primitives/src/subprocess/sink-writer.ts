import { createSinkFanOut, type SinkFanOut } from "@kiwi/sinks";
import type { SinkEvent, SinkFailure, SinkV1 } from "@kiwi/spec";

/**
 * Queues the output lines of both pipes, in the order they were read, behind the one sink fan-out of
 * `@kiwi/sinks` (which isolates a failing sink and keeps each sink's events in sequence). When a slow
 * sink's backlog passes the fan-out's bound, the pipe waits (the child blocks on a full pipe) instead of
 * memory growing.
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

  /** Queues events behind earlier ones; the promise settles (never rejects) once the fan-out took them. */
  write(events: readonly SinkEvent[]): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      for (const event of events) await this.#fanOut.write(event);
    });
    return this.#queue;
  }

  /** Resolves when every sink has been given everything queued so far. */
  idle(): Promise<void> {
    return this.#queue.then(() => this.#fanOut.drain());
  }
}
