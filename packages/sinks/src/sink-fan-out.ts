import { KiwiError, type SinkEvent, type SinkFailure, type SinkV1 } from "@kiwi/spec";
import { toSinkFailure } from "./to-sink-failure";

/** What `createSinkFanOut` returns: one writer over a call's sinks. */
export interface SinkFanOut {
  /** The sinks' ids, in order. */
  readonly ids: readonly string[];
  /** Failures so far, in the order they happened: what a result reports under `sink_errors`. */
  readonly failures: readonly SinkFailure[];
  /**
   * Writes one event to every live sink. Returns a promise (that never rejects) only when some sink's
   * write returned one, so synchronous sinks cost no await per event.
   */
  write(event: SinkEvent): Promise<void> | undefined;
  /** Calls each live sink's optional `flush()`; failures are recorded, never thrown. */
  flush(): Promise<void>;
}

/**
 * The one sink fan-out every streaming primitive uses (http_client's SSE events, subprocess's output
 * lines). Each event goes to every sink in order; a sink's write is awaited before that sink gets the next
 * event, and the sinks of one event are awaited together, so a slow sink delays the others by at most one
 * event. A sink that throws or rejects is isolated: recorded once in `failures`, then skipped. The caller
 * of the primitive (who opened the sinks) closes them, with `closeSinks`.
 */
export function createSinkFanOut(sinks: readonly SinkV1[]): SinkFanOut {
  sinks.forEach((sink, i) => {
    // Typed callers cannot get this wrong; a JavaScript caller handing over something else learns it here.
    if (typeof (sink as Partial<SinkV1> | null)?.write !== "function") {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `sinks[${i}] is not a sink-v1 object (it needs write(event)); pass sink-v1 objects as the call's sinks`,
        context: { field: `sinks[${i}]` },
      });
    }
  });
  const failures: SinkFailure[] = [];
  const live = sinks.map(() => true);
  const written = sinks.map(() => 0);
  const ids = sinks.map((s, i) => (typeof s.id === "string" && s.id ? s.id : `sink[${i}]`));
  const fail = (i: number, phase: SinkFailure["phase"], error: unknown) => {
    if (!live[i]) return;
    live[i] = false;
    failures.push(toSinkFailure({ sink: ids[i]!, phase, error, eventsWritten: written[i] }));
  };
  const settle = (i: number, pending: PromiseLike<void>): Promise<void> =>
    Promise.resolve(pending).then(
      () => {
        written[i]!++;
      },
      (error: unknown) => fail(i, "write", error),
    );

  const write = (event: SinkEvent): Promise<void> | undefined => {
    let first: Promise<void> | undefined;
    let more: Promise<void>[] | undefined;
    for (let i = 0; i < sinks.length; i++) {
      if (!live[i]) continue;
      try {
        const r = sinks[i]!.write(event);
        if (r !== undefined && typeof (r as PromiseLike<void>).then === "function") {
          const p = settle(i, r as PromiseLike<void>);
          if (first === undefined) first = p;
          else (more ??= [first]).push(p);
        } else written[i]!++;
      } catch (error) {
        fail(i, "write", error);
      }
    }
    return more ? Promise.all(more).then(() => {}) : first;
  };

  const flush = async () => {
    await Promise.all(
      sinks.map(async (sink, i) => {
        if (!live[i] || !sink.flush) return;
        try {
          await sink.flush();
        } catch (error) {
          fail(i, "flush", error);
        }
      }),
    );
  };

  return { ids, failures, write, flush };
}
