import { spawnSync } from "node:child_process";
import { appendFileSync, symlinkSync, writeFileSync } from "node:fs";
import { KiwiError } from "@kiwi/spec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readTranscript } from "./read-transcript";
import { makeTempDir } from "./test-fixtures/temp-dir";
import { TranscriptWriter } from "./transcript-writer";

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => {
  tmp.cleanup();
});

function caught(fn: () => unknown): KiwiError {
  try {
    fn();
  } catch (error) {
    expect(KiwiError.isInstance(error), String(error)).toBe(true);
    return error as KiwiError;
  }
  throw new Error("expected a KiwiError, nothing was thrown");
}

function line(seq: number, type = "turn_start", extra = ""): string {
  return `{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":${seq},"type":"${type}"${extra}}\n`;
}

/** A transcript of `count` turn_start events written by the real writer. */
function transcript(count: number, fields: (i: number) => Record<string, unknown> = (i) => ({ turn: i })) {
  const file = tmp.file("t.jsonl");
  const writer = TranscriptWriter.open(file);
  for (let i = 1; i <= count; i++) writer.write("turn_start", fields(i));
  writer.close();
  return file;
}

describe("readTranscript", () => {
  it("reads every event in order", () => {
    const file = transcript(5);
    const { events, torn } = readTranscript(file);
    expect(torn).toBe(false);
    expect(events.map((e) => e.turn)).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads an empty file as no events", () => {
    writeFileSync(tmp.file("t.jsonl"), "");
    expect(readTranscript(tmp.file("t.jsonl"))).toEqual({ events: [], torn: false });
  });

  it("tolerates and reports a torn last line", () => {
    const file = transcript(3);
    appendFileSync(file, '{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":4,"type":"tool_');
    const all = readTranscript(file);
    expect(all.torn).toBe(true);
    expect(all.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    const last = readTranscript(file, { lastN: 2 });
    expect(last.torn).toBe(true);
    expect(last.events.map((e) => e.seq)).toEqual([2, 3]);
  });

  it("keeps a complete last event that only misses its newline", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, `${line(1)}${line(2).trimEnd()}`);
    expect(readTranscript(file)).toMatchObject({ torn: false, events: [{ seq: 1 }, { seq: 2 }] });
    expect(readTranscript(file, { lastN: 1 })).toMatchObject({ torn: false, events: [{ seq: 2 }] });
  });

  it("throws TRANSCRIPT_CORRUPT with the line number for a bad line in the middle", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, `${line(1)}${line(2)}{"v":1,"ts":"x","seq":3,"type":"oops"\n${line(4)}`);
    const error = caught(() => readTranscript(file));
    expect(error.code).toBe("TRANSCRIPT_CORRUPT");
    expect(error.context).toMatchObject({ file, line: 3 });
    expect(error.message).toMatch(/line 3/);
    expect(caught(() => readTranscript(file, { lastN: 3 })).code).toBe("TRANSCRIPT_CORRUPT");
    // lastN reads only the end: the bad line is not reached when it is not needed.
    expect(readTranscript(file, { lastN: 1 }).events.map((e) => e.seq)).toEqual([4]);
  });

  it.each([
    ["a JSON array", "[1,2]"],
    ["a missing version", '{"ts":"x","seq":1,"type":"a"}'],
    ["a newer version", '{"v":2,"ts":"x","seq":1,"type":"a"}'],
    ["a negative seq", '{"v":1,"ts":"x","seq":-1,"type":"a"}'],
    ["a bad type", '{"v":1,"ts":"x","seq":1,"type":"Not A Type"}'],
    ["a missing ts", '{"v":1,"seq":1,"type":"a"}'],
  ])("refuses %s", (_, bad) => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, `${line(1)}${bad}\n${line(2)}`);
    expect(caught(() => readTranscript(file)).code).toBe("TRANSCRIPT_CORRUPT");
  });

  it("says to upgrade for a newer format version", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, '{"v":2,"ts":"x","seq":1,"type":"a"}\n');
    expect(caught(() => readTranscript(file)).message).toMatch(/version 2 is newer.*upgrade/);
  });

  it("treats a complete bad last line as corrupt, not torn", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, `${line(1)}garbage\n`);
    expect(caught(() => readTranscript(file)).code).toBe("TRANSCRIPT_CORRUPT");
    expect(caught(() => readTranscript(file, { lastN: 5 })).code).toBe("TRANSCRIPT_CORRUPT");
  });

  it("skips blank lines", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, `${line(1)}\n${line(2)}\n`);
    expect(readTranscript(file).events.map((e) => e.seq)).toEqual([1, 2]);
    expect(readTranscript(file, { lastN: 5 }).events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("returns the last events of a 10,000-line transcript", () => {
    const file = transcript(10_000);
    const { events, torn } = readTranscript(file, { lastN: 3 });
    expect(torn).toBe(false);
    expect(events.map((e) => [e.seq, e.turn])).toEqual([
      [9998, 9998],
      [9999, 9999],
      [10_000, 10_000],
    ]);
    expect(readTranscript(file, { lastN: 2500 }).events.map((e) => e.seq)).toEqual(
      Array.from({ length: 2500 }, (_, i) => 7501 + i),
    );
    expect(readTranscript(file, { lastN: 20_000 }).events).toHaveLength(10_000);
    expect(readTranscript(file, { lastN: 0 }).events).toEqual([]);
  });

  it("reads lines longer than a read chunk backwards", () => {
    const file = transcript(6, (i) => ({ payload: String(i).repeat(150_000) }));
    const { events } = readTranscript(file, { lastN: 4 });
    expect(events.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(events[0]?.payload).toBe("3".repeat(150_000));
    expect(readTranscript(file).events).toHaveLength(6);
  });

  it("filters by afterSeq, alone and with lastN", () => {
    const file = transcript(10);
    expect(readTranscript(file, { afterSeq: 7 }).events.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(readTranscript(file, { afterSeq: 7, lastN: 2 }).events.map((e) => e.seq)).toEqual([9, 10]);
    expect(readTranscript(file, { afterSeq: 8, lastN: 5 }).events.map((e) => e.seq)).toEqual([9, 10]);
    expect(readTranscript(file, { afterSeq: 10 }).events).toEqual([]);
  });

  it("rejects a bad lastN", () => {
    const file = transcript(1);
    expect(caught(() => readTranscript(file, { lastN: -1 })).code).toBe("INVALID_INPUT");
    expect(caught(() => readTranscript(file, { lastN: 1.5 })).code).toBe("INVALID_INPUT");
  });

  it("throws ITEM_NOT_FOUND for a missing file", () => {
    const error = caught(() => readTranscript(tmp.file("missing.jsonl")));
    expect(error.code).toBe("ITEM_NOT_FOUND");
  });

  it("refuses a symlink", () => {
    const file = transcript(2);
    const link = tmp.file("link.jsonl");
    symlinkSync(file, link);
    const error = caught(() => readTranscript(link));
    expect(error.code).toBe("TRANSCRIPT_UNAVAILABLE");
    expect(error.message).toMatch(/symlink/);
    expect(caught(() => readTranscript(link, { lastN: 1 })).code).toBe("TRANSCRIPT_UNAVAILABLE");
  });

  it("refuses a folder and a FIFO without blocking", () => {
    expect(caught(() => readTranscript(tmp.dir)).code).toBe("TRANSCRIPT_UNAVAILABLE");
    if (spawnSync("mkfifo", [tmp.file("fifo")]).status === 0) {
      expect(caught(() => readTranscript(tmp.file("fifo"))).code).toBe("TRANSCRIPT_UNAVAILABLE");
    }
  });
});
