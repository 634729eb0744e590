import { SINK_KIND, type SinkEvent, type SinkV1, validatePlugin } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { largeEvents, normalizeEvent, orderedEvents, trickyEvents } from "./sink-events";
import { tempProject } from "./temp-project";

/** Where a sink under test may write: a fresh project root inside a fresh temp folder, per test. */
export interface SinkTestContext {
  readonly projectRoot: string;
  readonly tempDir: string;
}

/** What `readBack` gets: the same folders and the (closed) sink. */
export interface SinkReadBackContext extends SinkTestContext {
  readonly sink: SinkV1;
}

export interface TestSinkOptions {
  /**
   * Returns what reached the destination, after `close()` resolved (a file's lines, what a server received).
   * When given, the suite checks the events arrived exactly, in order; without it, only the contract is checked.
   */
  readonly readBack?: (context: SinkReadBackContext) => Promise<SinkEvent[]>;
  /** Per-test timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
}

export type MakeSink = (context: SinkTestContext) => Promise<SinkV1> | SinkV1;

const ID_PATTERN = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/**
 * The sink-v1 conformance suite. Call it at the top level of a vitest file; every first- and third-party
 * sink runs the same cases. `makeSink` is called once per test with fresh folders.
 */
export function testSink(name: string, makeSink: MakeSink, options: TestSinkOptions = {}): void {
  const timeout = options.timeoutMs ?? 30_000;
  const { readBack } = options;

  describe(`sink-v1 conformance: ${name}`, () => {
    const open: SinkV1[] = [];

    afterEach(async () => {
      // A failed test must not leave a socket or a file handle behind.
      await Promise.allSettled(open.splice(0).map((sink) => sink.close()));
    });

    async function setUp(): Promise<{ sink: SinkV1; context: SinkTestContext }> {
      // Removed when the test finishes, after the afterEach above closed the sink.
      const { base, projectRoot } = await tempProject({ prefix: "kiwi-sink-test" });
      const context = { projectRoot, tempDir: base };
      const sink = await makeSink(context);
      open.push(sink);
      return { sink, context };
    }

    async function writeAll(sink: SinkV1, events: readonly SinkEvent[]): Promise<void> {
      for (const event of events) {
        const result = sink.write(event);
        expect(result === undefined || typeof (result as Promise<void>).then === "function").toBe(true);
        await result;
      }
    }

    async function roundTrip(events: readonly SinkEvent[]): Promise<void> {
      const { sink, context } = await setUp();
      await writeAll(sink, events);
      await sink.close();
      if (!readBack) return;
      const received = (await readBack({ ...context, sink })).map(normalizeEvent);
      expect(received.length).toBe(events.length);
      for (let i = 0; i < events.length; i++) {
        if (received[i]?.data !== events[i]?.data || received[i]?.event !== events[i]?.event) {
          // Compare one event at a time so a 1 MiB mismatch does not flood the report.
          expect.fail(`event ${i} differs: ${JSON.stringify(received[i])?.slice(0, 200)}`);
        }
      }
      expect(received).toEqual(events.map(normalizeEvent));
    }

    it("is a sink-v1 instance the plugin loader accepts, with a kebab- or snake-case id", {
      timeout,
    }, async () => {
      const { sink } = await setUp();
      // SINK_KIND is what the kernel's loader checks: a sink passes here exactly when the loader accepts it.
      const checked = await validatePlugin(SINK_KIND, sink);
      expect(checked.ok ? "" : checked.message).toBe("");
      expect(sink.id).toMatch(ID_PATTERN);
    });

    it("accepts 1,000 events in order (write may return void or a promise)", { timeout }, async () => {
      await roundTrip(orderedEvents(1000));
    });

    it("close() resolves and a second close() is harmless", { timeout }, async () => {
      const { sink } = await setUp();
      await writeAll(sink, orderedEvents(3));
      await expect(sink.close()).resolves.toBeUndefined();
      await expect(sink.close()).resolves.toBeUndefined();
    });

    it("close() without any event resolves", { timeout }, async () => {
      await roundTrip([]);
    });

    it("flush(), when present, resolves with and without buffered events", { timeout }, async () => {
      const { sink, context } = await setUp();
      const events = orderedEvents(5);
      await sink.flush?.();
      await writeAll(sink, events.slice(0, 2));
      await sink.flush?.();
      await writeAll(sink, events.slice(2));
      await sink.flush?.();
      await sink.close();
      if (readBack) expect((await readBack({ ...context, sink })).map(normalizeEvent)).toEqual(events);
    });

    it("unicode, line breaks, JSON look-alikes and empty data survive", { timeout }, async () => {
      await roundTrip(trickyEvents);
    });

    it("1 MiB of data in one event survives", { timeout }, async () => {
      await roundTrip(largeEvents());
    });
  });
}
