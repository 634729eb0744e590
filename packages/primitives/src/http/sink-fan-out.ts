import { KiwiError, type SinkEvent, type SinkV1 } from "@kiwi/spec";

/** A sink that failed: it receives nothing more; the stream and the other sinks go on. */
export interface SinkError {
  sink: string;
  phase: "write" | "flush";
  message: string;
  /** Events this sink had accepted before it failed. */
  events_written: number;
}

export interface FanOut {
  readonly ids: readonly string[];
  readonly errors: SinkError[];
  /** Writes to every live sink; returns a promise only when some sink's write returned one. */
  write(event: SinkEvent): Promise<unknown> | undefined;
  /** Calls each live sink's optional flush(); failures are recorded, never thrown. */
  flush(): Promise<void>;
}

/** The sinks handed over in `context.meta.__sinks` (the kernel instantiates them); checked for shape. */
export function sinksFromMeta(value: unknown): SinkV1[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((sink, i) => {
    const s = sink as Partial<SinkV1> | null;
    if (typeof s !== "object" || s === null || typeof s.write !== "function") {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `context.meta.__sinks[${i}] is not a sink-v1 object (it needs write(event)); sinks come from stream.destinations`,
        context: { field: `meta.__sinks[${i}]` },
      });
    }
    return s as SinkV1;
  });
}

/**
 * Writes each event to every sink in order. A sink's write is awaited before that sink gets the next
 * event; sinks of one event are awaited together, so a slow sink delays the others by at most one event.
 * A sink that throws or rejects is isolated: recorded once in `errors`, then skipped.
 */
export function createFanOut(sinks: readonly SinkV1[]): FanOut {
  const errors: SinkError[] = [];
  const live = sinks.map(() => true);
  const written = sinks.map(() => 0);
  const fail = (i: number, phase: SinkError["phase"], error: unknown) => {
    if (!live[i]) return;
    live[i] = false;
    const message = error instanceof Error ? error.message : String(error);
    errors.push({ sink: sinks[i]!.id, phase, message, events_written: written[i]! });
  };

  const write = (event: SinkEvent) => {
    let pending: Promise<unknown>[] | undefined;
    for (let i = 0; i < sinks.length; i++) {
      if (!live[i]) continue;
      try {
        const r = sinks[i]!.write(event);
        if (r !== undefined && typeof (r as Promise<void>).then === "function") {
          pending ??= [];
          pending.push(
            (r as Promise<void>).then(
              () => {
                written[i]!++;
              },
              (error: unknown) => fail(i, "write", error),
            ),
          );
        } else written[i]!++;
      } catch (error) {
        fail(i, "write", error);
      }
    }
    return pending === undefined ? undefined : pending.length === 1 ? pending[0] : Promise.all(pending);
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

  return { ids: sinks.map((s) => s.id), errors, write, flush };
}
