import { KiwiError, type SinkEvent, type SinkFailure, type SinkV1 } from "@kiwi/spec";
import { toSinkFailure } from "./to-sink-failure";

/** What `createSinkFanOut` returns: one writer over a call's sinks. */
export interface SinkFanOut {
  /** The sinks' ids, in order. */
  readonly ids: readonly string[];
  /** Failures so far, in the order they happened: what a result reports under `sink_errors`. */
  readonly failures: readonly SinkFailure[];
  /** Whether some live sink has not finished a write yet: what `drain()` would wait for. */
  readonly busy: boolean;
  /**
   * Hands one event to every live sink. Returns a promise (that never rejects) only when the writer must
   * wait: some sink's backlog passed its bound. Otherwise `undefined`, so the stream goes on at once.
   */
  write(event: SinkEvent): Promise<void> | undefined;
  /**
   * Resolves once every sink has been given every event written so far (backlogs empty). After
   * `giveUpAfterMs`, the sinks still busy are recorded as failed (their backlog is dropped) instead.
   */
  drain(giveUpAfterMs?: number): Promise<void>;
  /** `drain(giveUpAfterMs)`, then each live sink's optional `flush()`; failures are recorded, never thrown. */
  flush(giveUpAfterMs?: number): Promise<void>;
}

/** Events waiting for one busy sink, counted in UTF-16 units of data plus a per-event overhead. */
const MAX_BACKLOG = 1024 * 1024;
const EVENT_OVERHEAD = 64;

interface Lane {
  readonly sink: SinkV1;
  readonly id: string;
  live: boolean;
  written: number;
  /** The write this sink has not finished yet: later events wait in `backlog` meanwhile. */
  busy: boolean;
  backlog: SinkEvent[];
  head: number;
  size: number;
  idle: (() => void)[];
}

/**
 * The one sink fan-out every streaming primitive uses (http_client's SSE events, subprocess's output
 * lines). Each event goes to every sink in order, and a sink whose write returned a promise gets its next
 * event only once that promise settled (the sink-v1 contract). Meanwhile its later events wait in a
 * backlog of its own, so a sink that writes in batches (a file) holds back neither the stream nor the
 * other sinks; only a backlog past 1 MiB makes `write` return a promise, which bounds memory. A sink that
 * throws or rejects is isolated: recorded once in `failures`, its backlog dropped, then skipped. Call
 * `flush()` (or `drain()`) before returning; whoever opened the sinks closes them (`closeSinks`).
 */
export function createSinkFanOut(sinks: readonly SinkV1[]): SinkFanOut {
  const failures: SinkFailure[] = [];
  const lanes: Lane[] = sinks.map((sink, i) => {
    // Typed callers cannot get this wrong; a JavaScript caller handing over something else learns it here.
    if (typeof (sink as Partial<SinkV1> | null)?.write !== "function") {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `sinks[${i}] is not a sink-v1 object (it needs write(event)); pass sink-v1 objects as the call's sinks`,
        context: { field: `sinks[${i}]` },
      });
    }
    const id = typeof sink.id === "string" && sink.id ? sink.id : `sink[${i}]`;
    return { sink, id, live: true, written: 0, busy: false, backlog: [], head: 0, size: 0, idle: [] };
  });

  const settle = (lane: Lane) => {
    if (lane.busy && lane.live) return;
    lane.backlog = [];
    lane.head = 0;
    lane.size = 0;
    for (const wake of lane.idle.splice(0)) wake();
  };

  const fail = (lane: Lane, phase: SinkFailure["phase"], error: unknown) => {
    if (!lane.live) return;
    lane.live = false;
    failures.push(toSinkFailure({ sink: lane.id, phase, error, eventsWritten: lane.written }));
    settle(lane);
  };

  /** Gives the sink its backlog, in order, until a write returns a promise or the backlog is empty. */
  const pump = (lane: Lane) => {
    while (lane.live && !lane.busy && lane.head < lane.backlog.length) {
      const event = lane.backlog[lane.head]!;
      lane.backlog[lane.head++] = undefined as unknown as SinkEvent; // let it be collected
      lane.size -= event.data.length + EVENT_OVERHEAD;
      deliver(lane, event);
    }
    if (!lane.busy || !lane.live) settle(lane);
    else if (lane.head > 1024 && lane.head * 2 > lane.backlog.length) {
      // A sink that never quite catches up: drop the consumed slots now and then (no O(n) shift per event).
      lane.backlog = lane.backlog.slice(lane.head);
      lane.head = 0;
    }
  };

  const deliver = (lane: Lane, event: SinkEvent) => {
    let r: void | Promise<void>;
    try {
      r = lane.sink.write(event);
    } catch (error) {
      fail(lane, "write", error);
      return;
    }
    if (r === undefined || typeof (r as PromiseLike<void>).then !== "function") {
      lane.written++;
      return;
    }
    lane.busy = true;
    (r as PromiseLike<void>).then(
      () => {
        lane.written++;
        lane.busy = false;
        pump(lane);
      },
      (error: unknown) => {
        lane.busy = false;
        fail(lane, "write", error);
      },
    );
  };

  const whenIdle = (lane: Lane) =>
    lane.live && lane.busy ? new Promise<void>((resolve) => lane.idle.push(resolve)) : undefined;

  const write = (event: SinkEvent): Promise<void> | undefined => {
    let wait: Promise<void>[] | undefined;
    for (const lane of lanes) {
      if (!lane.live) continue;
      if (!lane.busy) {
        deliver(lane, event);
        continue;
      }
      lane.backlog.push(event);
      lane.size += event.data.length + EVENT_OVERHEAD;
      if (lane.size > MAX_BACKLOG) {
        wait ??= [];
        wait.push(whenIdle(lane)!);
      }
    }
    if (wait === undefined) return undefined;
    return wait.length === 1 ? wait[0] : Promise.all(wait).then(() => {});
  };

  const drain = async (giveUpAfterMs?: number) => {
    const busy = lanes.map(whenIdle).filter((p) => p !== undefined);
    if (busy.length === 0) return;
    if (giveUpAfterMs === undefined) {
      await Promise.all(busy);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, Math.ceil(giveUpAfterMs)));
    });
    await Promise.race([Promise.all(busy), late]);
    clearTimeout(timer);
    for (const lane of lanes) {
      const message = `gave up after ${Math.ceil(giveUpAfterMs)} ms waiting for this sink to finish a write`;
      if (lane.live && lane.busy) fail(lane, "write", new Error(message));
    }
  };

  const flush = async (giveUpAfterMs?: number) => {
    await drain(giveUpAfterMs);
    await Promise.all(
      lanes.map(async (lane) => {
        if (!lane.live || !lane.sink.flush) return;
        try {
          await lane.sink.flush();
        } catch (error) {
          fail(lane, "flush", error);
        }
      }),
    );
  };

  return {
    ids: lanes.map((l) => l.id),
    failures,
    get busy() {
      return lanes.some((lane) => lane.live && lane.busy);
    },
    write,
    drain,
    flush,
  };
}
