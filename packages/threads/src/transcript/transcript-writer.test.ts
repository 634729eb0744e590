import { appendFileSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readTranscript } from "./read-transcript";
import { createRedactor } from "./redactor";
import { makeTempDir } from "./test-fixtures/temp-dir";
import {
  MAX_TRANSCRIPT_LINE_BYTES,
  TORN_LINE_WARNING_CODE,
  TRANSCRIPT_EVENT_TYPES,
  type TranscriptEvent,
} from "./transcript-format";
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

function lines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").slice(0, -1);
}

const FIELDS: Record<string, Record<string, unknown>> = {
  spawned: { thread_id: "t_1", directive: "demo/hello", parent_id: null },
  directive_loaded: { directive: "demo/hello", version: "1.0.0" },
  token_minted: { jti: "j1", capabilities: ["fs.read"], expires_at: "2030-01-01T00:00:00.000Z" },
  turn_start: { turn: 1 },
  user_message: { content: "hi\nthere" },
  assistant_message: { content: "hello 👋", model: "m" },
  tool_call: {
    tool: "fs_read",
    call_id: "c1",
    args_hash: "sha256:ab",
    jti: "j1",
    capability: "fs.read",
    grant: "g",
  },
  tool_result: { tool: "fs_read", call_id: "c1", success: false, error_code: "PATH_NOT_FOUND" },
  cost_update: { input_tokens: 10, output_tokens: 5, cost_usd: 0.001 },
  warning: { code: "W", message: "careful" },
  signal: { signal: "help", message: "stuck" },
  intervention: { action: "pause", by: "user" },
  status: { status: "paused", reason: "intervention" },
  checkpoint: { checkpoint: "cp-1", turn: 1 },
  stream_incomplete: { reason: "connection reset" },
  budget_exceeded: { limit: "turns", used: 11, max: 10 },
  context_exceeded: { tokens: 200001, max: 200000 },
  child_spawned: { child_id: "t_2", directive: "demo/child" },
  child_completed: { child_id: "t_2", status: "completed" },
  error: { code: "INTERNAL_ERROR", message: "boom" },
  completed: { status: "completed", result: { ok: true } },
};

describe("TranscriptWriter", () => {
  it("round-trips every documented event type", () => {
    const file = tmp.file("t.jsonl");
    const at = new Date("2025-01-31T12:00:00.000Z");
    const writer = TranscriptWriter.open(file, { now: () => at });
    const written: TranscriptEvent[] = [];
    for (const type of TRANSCRIPT_EVENT_TYPES) written.push(writer.write(type, FIELDS[type]));
    writer.close();

    expect(written.map((e) => e.seq)).toEqual(TRANSCRIPT_EVENT_TYPES.map((_, i) => i + 1));
    const { events, torn } = readTranscript(file);
    expect(torn).toBe(false);
    expect(events).toEqual(written);
    for (const [i, type] of TRANSCRIPT_EVENT_TYPES.entries()) {
      expect(events[i]).toEqual({ v: 1, ts: "2025-01-31T12:00:00.000Z", seq: i + 1, type, ...FIELDS[type] });
    }
    expect(lines(file)[0]).toBe(
      '{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":1,"type":"spawned","thread_id":"t_1","directive":"demo/hello","parent_id":null}',
    );
  });

  it("creates folders 0700 and the file 0600", () => {
    const file = join(tmp.dir, "a", "b", "t.jsonl");
    TranscriptWriter.open(file).close();
    expect(statSync(join(tmp.dir, "a")).mode & 0o777).toBe(0o700);
    expect(statSync(join(tmp.dir, "a", "b")).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("continues seq after reopening", () => {
    const file = tmp.file("t.jsonl");
    const first = TranscriptWriter.open(file);
    first.write("turn_start", { turn: 1 });
    first.write("turn_start", { turn: 2 });
    first.close();
    const second = TranscriptWriter.open(file);
    expect(second.lastSeq).toBe(2);
    expect(second.write("turn_start", { turn: 3 }).seq).toBe(3);
    second.close();
    expect(readTranscript(file).events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("ignores v, ts, seq and type inside fields, and keeps them first", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    const event = writer.write("status", { v: 9, ts: "x", seq: 99, type: "forged", status: "running" });
    writer.close();
    expect(event).toEqual({ v: 1, ts: event.ts, seq: 1, type: "status", status: "running" });
    expect(lines(file)[0]).toMatch(/^\{"v":1,"ts":"[^"]+Z","seq":1,"type":"status","status":"running"\}$/);
  });

  it("writes dates as ISO strings and drops undefined fields", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    const event = writer.write("checkpoint", { at: new Date(0), gone: undefined, checkpoint: "c" });
    writer.close();
    expect(event).toMatchObject({ at: "1970-01-01T00:00:00.000Z", checkpoint: "c" });
    expect("gone" in event).toBe(false);
  });

  it("rejects an invalid type and fields that are not JSON", () => {
    const writer = TranscriptWriter.open(tmp.file("t.jsonl"));
    expect(caught(() => writer.write("Not Valid", {})).code).toBe("INVALID_INPUT");
    expect(caught(() => writer.write("", {})).code).toBe("INVALID_INPUT");
    expect(caught(() => writer.write("warning", { n: 1n })).code).toBe("INVALID_INPUT");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(caught(() => writer.write("warning", cycle)).code).toBe("INVALID_INPUT");
    expect(writer.lastSeq).toBe(0);
    writer.close();
  });

  it("closes idempotently and refuses writes after close", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    expect(writer.path).toBe(file);
    writer.write("turn_start", { turn: 1 });
    writer.close();
    writer.close();
    expect(writer.closed).toBe(true);
    const error = caught(() => writer.write("turn_start", { turn: 2 }));
    expect(error.code).toBe("TRANSCRIPT_UNAVAILABLE");
    expect(error.message).toMatch(/write after close/);
    expect(lines(file)).toHaveLength(1);
  });

  it("refuses a symlink at the path and writes nothing through it", () => {
    const target = tmp.file("target.txt");
    writeFileSync(target, "ORIGINAL");
    const link = tmp.file("t.jsonl");
    symlinkSync(target, link);
    const error = caught(() => TranscriptWriter.open(link));
    expect(error.code).toBe("TRANSCRIPT_UNAVAILABLE");
    expect(error.message).toMatch(/symlink/);
    expect(readFileSync(target, "utf8")).toBe("ORIGINAL");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it("refuses a dangling symlink without creating its target", () => {
    const link = tmp.file("t.jsonl");
    symlinkSync(tmp.file("nowhere.jsonl"), link);
    expect(caught(() => TranscriptWriter.open(link)).code).toBe("TRANSCRIPT_UNAVAILABLE");
    expect(() => statSync(tmp.file("nowhere.jsonl"))).toThrow();
  });

  it("refuses a folder at the path", () => {
    expect(caught(() => TranscriptWriter.open(tmp.dir)).code).toBe("TRANSCRIPT_UNAVAILABLE");
  });

  it("refuses to append after a corrupt last line", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, "this is not json\n");
    expect(caught(() => TranscriptWriter.open(file)).code).toBe("TRANSCRIPT_CORRUPT");
  });
});

describe("TranscriptWriter redaction", () => {
  const CANARY = "sk-canary-7f3a9b";
  const ESCAPY = 'q"uo\\te-canary-91c2';

  it("never lets a secret reach the file: plain, nested, in keys, and JSON-escaped", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file, { redact: createRedactor([CANARY, ESCAPY]) });
    writer.write("user_message", { content: `my key is ${CANARY}, ok?` });
    writer.write("tool_call", { args: { nested: [{ deep: `Bearer ${CANARY}` }], [CANARY]: 1 } });
    writer.write("assistant_message", { content: `the other one is ${ESCAPY}!` });
    writer.write("tool_result", { output: JSON.stringify({ echoed: ESCAPY }) });
    const returned = writer.write("warning", { message: `${CANARY}${ESCAPY}` });
    writer.close();

    const bytes = readFileSync(file);
    for (const secret of [CANARY, ESCAPY, JSON.stringify(ESCAPY).slice(1, -1), "canary"]) {
      expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
    }
    expect(returned.message).toBe("[REDACTED][REDACTED]");
    const { events } = readTranscript(file);
    expect(events[0]?.content).toBe("my key is [REDACTED], ok?");
    expect(events[1]?.args).toEqual({ nested: [{ deep: "Bearer [REDACTED]" }], "[REDACTED]": 1 });
    expect(events[2]?.content).toBe("the other one is [REDACTED]!");
  });

  it("never leaves part of a secret behind when a long string is cut", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file, { redact: createRedactor([CANARY]) });
    const huge = `${"x".repeat(MAX_TRANSCRIPT_LINE_BYTES - 200)}${CANARY}${"y".repeat(1000)}`;
    writer.write("tool_result", { output: huge });
    writer.close();
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("sk-can");
    expect(text).not.toContain("canary");
  });
});

describe("TranscriptWriter line cap", () => {
  it("cuts long strings so every line fits 256 KiB, with a marker", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    const big = "é".repeat(300_000); // 600 kB of UTF-8
    const event = writer.write("tool_result", { output: big, other: "z".repeat(100_000), small: "kept" });
    writer.write("tool_result", { output: "short" });
    writer.close();

    const raw = readFileSync(file);
    const [first, second] = lines(file);
    expect(Buffer.byteLength(`${first}\n`)).toBeLessThanOrEqual(MAX_TRANSCRIPT_LINE_BYTES);
    expect(Buffer.byteLength(`${first}\n`)).toBeGreaterThan(MAX_TRANSCRIPT_LINE_BYTES - 200);
    expect(raw.length).toBe(Buffer.byteLength(`${first}\n${second}\n`));
    const output = event.output as string;
    const match = /… \(truncated (\d+) chars\)$/.exec(output);
    expect(match).not.toBeNull();
    expect(output.startsWith("éééé")).toBe(true);
    expect(output.length - match![0].length + Number(match![1])).toBe(big.length);
    expect(event.small).toBe("kept");
    expect(readTranscript(file).events[0]).toEqual(event);
  });

  it("does not split a surrogate pair when cutting", () => {
    const writer = TranscriptWriter.open(tmp.file("t.jsonl"));
    const event = writer.write("assistant_message", { content: "😀".repeat(200_000) });
    writer.close();
    const content = event.content as string;
    expect(content).toMatch(/^(😀)+… \(truncated \d+ chars\)$/);
  });

  it("drops the fields when there is no long string to cut", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    const event = writer.write("cost_update", { samples: Array.from({ length: 100_000 }, (_, i) => i) });
    writer.close();
    expect(event).toMatchObject({ type: "cost_update", truncated: true });
    expect(event.original_bytes).toBeGreaterThan(MAX_TRANSCRIPT_LINE_BYTES);
    expect(readFileSync(file).length).toBeLessThan(200);
  });
});

describe("TranscriptWriter after a crash", () => {
  it("ends a torn last line, marks it, and readers skip the fragment", () => {
    const file = tmp.file("t.jsonl");
    const writer = TranscriptWriter.open(file);
    writer.write("turn_start", { turn: 1 });
    writer.close();
    appendFileSync(file, '{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":2,"type":"assis');

    expect(readTranscript(file)).toMatchObject({ torn: true, events: [{ seq: 1 }] });
    const reopened = TranscriptWriter.open(file);
    expect(reopened.lastSeq).toBe(2);
    reopened.write("turn_start", { turn: 2 });
    reopened.close();

    const { events, torn } = readTranscript(file);
    expect(torn).toBe(false);
    expect(events.map((e) => [e.seq, e.type, e.code])).toEqual([
      [1, "turn_start", undefined],
      [2, "warning", TORN_LINE_WARNING_CODE],
      [3, "turn_start", undefined],
    ]);
    expect(readTranscript(file, { lastN: 10 }).events).toEqual(events);
  });

  it("adds the missing newline after a complete last event", () => {
    const file = tmp.file("t.jsonl");
    writeFileSync(file, '{"v":1,"ts":"2025-01-31T12:00:00.000Z","seq":5,"type":"turn_start"}');
    const writer = TranscriptWriter.open(file);
    expect(writer.write("turn_start").seq).toBe(6);
    writer.close();
    expect(readTranscript(file).events.map((e) => e.seq)).toEqual([5, 6]);
  });
});
