import { appendFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KiwiError } from "@kiwi/spec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { followTranscript } from "./follow-transcript";
import { makeTempDir } from "./test-fixtures/temp-dir";
import type { TranscriptEvent } from "./transcript-format";
import { TranscriptWriter } from "./transcript-writer";

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => {
  tmp.cleanup();
});

/** Collects what a follow yields; `until` resolves once `count` events arrived. */
function collect(iterable: AsyncIterable<TranscriptEvent>) {
  const events: TranscriptEvent[] = [];
  const done = (async () => {
    for await (const event of iterable) events.push(event);
  })();
  const until = async (count: number, timeoutMs = 5000) => {
    const start = Date.now();
    while (events.length < count) {
      if (Date.now() - start > timeoutMs) throw new Error(`only ${events.length} of ${count} events arrived`);
      await sleep(5);
    }
  };
  return { events, done, until };
}

describe("followTranscript", () => {
  it("yields existing events, then events appended after it started, and stops on completed", async () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    writer.write("spawned", { thread_id: "t" });
    const follower = collect(followTranscript(file, { pollMs: 20 }));
    await follower.until(1);
    writer.write("turn_start", { turn: 1 });
    writer.write("assistant_message", { content: "hi" });
    await follower.until(3);
    writer.write("completed", { status: "completed" });
    writer.write("warning", { code: "LATE", message: "after completion" });
    writer.close();
    await follower.done;
    expect(follower.events.map((e) => e.type)).toEqual([
      "spawned",
      "turn_start",
      "assistant_message",
      "completed",
    ]);
  });

  it("waits for the file to appear", async () => {
    const file = join(tmp.dir, "later", "t.jsonl");
    const follower = collect(followTranscript(file, { pollMs: 10 }));
    await sleep(50);
    const writer = TranscriptWriter.open(file);
    writer.write("spawned", { thread_id: "t" });
    writer.write("completed", { status: "completed" });
    writer.close();
    await follower.done;
    expect(follower.events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("holds a partial line until its newline arrives", async () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, "");
    const follower = collect(followTranscript(file, { pollMs: 10 }));
    appendFileSync(file, '{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":1,"type":"turn_');
    await sleep(60);
    expect(follower.events).toEqual([]);
    appendFileSync(
      file,
      'start","turn":1}\n{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":2,"type":"completed"}\n',
    );
    await follower.done;
    expect(follower.events.map((e) => [e.seq, e.type])).toEqual([
      [1, "turn_start"],
      [2, "completed"],
    ]);
  });

  it("ends on abort without an error, also while waiting for the file", async () => {
    const file = tmp.file("t.jsonl");
    const controller = new AbortController();
    const follower = collect(followTranscript(file, { signal: controller.signal, pollMs: 10 }));
    await sleep(30);
    controller.abort();
    await follower.done;
    expect(follower.events).toEqual([]);

    const writer = TranscriptWriter.open(file);
    writer.write("turn_start", { turn: 1 });
    const second = new AbortController();
    // A long poll: fs.watch (or the poll) brings turn 2; the abort must end the wait at once, not after pollMs.
    const following = collect(followTranscript(file, { signal: second.signal, pollMs: 2000 }));
    await following.until(1);
    writer.write("turn_start", { turn: 2 });
    await following.until(2);
    const start = Date.now();
    second.abort();
    await following.done;
    expect(Date.now() - start).toBeLessThan(1000);
    writer.close();
    expect(following.events.map((e) => e.turn)).toEqual([1, 2]);
  });

  it("keeps going past completed when stopOnCompleted is false", async () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    writer.write("completed", { status: "completed" });
    writer.write("spawned", { thread_id: "resumed" });
    const controller = new AbortController();
    const follower = collect(
      followTranscript(file, { signal: controller.signal, stopOnCompleted: false, pollMs: 10 }),
    );
    await follower.until(2);
    controller.abort();
    await follower.done;
    writer.close();
    expect(follower.events.map((e) => e.type)).toEqual(["completed", "spawned"]);
  });

  it("starts at the end with fromStart false, and filters with afterSeq", async () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    writer.write("turn_start", { turn: 1 });
    writer.write("turn_start", { turn: 2 });
    const fromEnd = collect(followTranscript(file, { fromStart: false, pollMs: 10 }));
    const afterSeq = collect(followTranscript(file, { afterSeq: 1, pollMs: 10 }));
    await afterSeq.until(1);
    await sleep(30);
    writer.write("completed", { status: "completed" });
    writer.close();
    await Promise.all([fromEnd.done, afterSeq.done]);
    expect(fromEnd.events.map((e) => e.seq)).toEqual([3]);
    expect(afterSeq.events.map((e) => e.seq)).toEqual([2, 3]);
  });

  it("skips a crash's torn fragment once a reopening writer marks it", async () => {
    const file = tmp.file("t.jsonl");
    const first = TranscriptWriter.open(file);
    first.write("turn_start", { turn: 1 });
    first.close();
    appendFileSync(file, '{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":2,"ty');
    const follower = collect(followTranscript(file, { pollMs: 10 }));
    await follower.until(1);
    const second = TranscriptWriter.open(file);
    second.write("completed", { status: "completed" });
    second.close();
    await follower.done;
    expect(follower.events.map((e) => [e.seq, e.type])).toEqual([
      [1, "turn_start"],
      [2, "warning"],
      [3, "completed"],
    ]);
  });

  it("throws TRANSCRIPT_CORRUPT for a bad line", async () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, 'nope\n{"v":1,"ts":"x","seq":1,"type":"turn_start"}\n');
    const error = await collect(followTranscript(file, { pollMs: 10 })).done.catch((e: unknown) => e);
    expect(KiwiError.isInstance(error) && error.code).toBe("TRANSCRIPT_CORRUPT");
    expect((error as KiwiError).context).toMatchObject({ line: 1 });
  });

  it("refuses a symlink", async () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, "");
    symlinkSync(file, tmp.file("link.jsonl"));
    const error = await collect(followTranscript(tmp.file("link.jsonl"))).done.catch((e: unknown) => e);
    expect(KiwiError.isInstance(error) && error.code).toBe("TRANSCRIPT_UNAVAILABLE");
  });

  it("closes the file when the consumer breaks out", async () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    writer.write("turn_start", { turn: 1 });
    writer.write("turn_start", { turn: 2 });
    writer.close();
    const seen: number[] = [];
    for await (const event of followTranscript(file, { pollMs: 10 })) {
      seen.push(event.seq);
      if (event.seq === 1) break;
    }
    expect(seen).toEqual([1]);
  });
});

describe("followTranscript limits", () => {
  it("gives up on a partial line far longer than any writer produces", async () => {
    const file = join(tmp.dir, "t.jsonl");
    writeFileSync(file, "x".repeat(2 * 1024 * 1024));
    const error = await collect(followTranscript(file, { pollMs: 10 })).done.catch((e: unknown) => e);
    expect(KiwiError.isInstance(error) && error.code).toBe("TRANSCRIPT_CORRUPT");
  });

  it("rejects a bad pollMs", async () => {
    const error = await collect(followTranscript(join(tmp.dir, "t.jsonl"), { pollMs: 0 })).done.catch(
      (e: unknown) => e,
    );
    expect(KiwiError.isInstance(error) && error.code).toBe("INVALID_INPUT");
  });
});
