import type { SinkEvent } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createSseParser } from "./sse-parser";

const enc = (s: string) => new TextEncoder().encode(s);

function collect(limits: { maxLineBytes?: number; maxEventBytes?: number }) {
  const events: SinkEvent[] = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e), ...limits });
  return { events, parser };
}

describe("createSseParser bounds (hostile streams)", () => {
  it("refuses a line over max_line_bytes inside one chunk", () => {
    const { parser } = collect({ maxLineBytes: 1000 });
    expect(() => parser.feed(enc(`data: ${"x".repeat(2000)}\n\n`))).toThrow(
      expect.objectContaining({ code: "STREAM_LINE_TOO_LONG" }),
    );
  });

  it("stops an endless line (10 MiB, no newline) at the cap, after about cap bytes were fed", () => {
    const { parser } = collect({ maxLineBytes: 1024 * 1024 });
    const chunk = enc("x".repeat(64 * 1024));
    let fed = 0;
    const run = () => {
      for (let i = 0; i < 160; i++) {
        fed += chunk.length;
        parser.feed(chunk);
      }
    };
    expect(run).toThrow(expect.objectContaining({ code: "STREAM_LINE_TOO_LONG" }));
    expect(fed).toBeLessThanOrEqual(1024 * 1024 + chunk.length);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const ok = collect({ maxLineBytes: 1000 });
    ok.parser.feed(enc(`data:${"é".repeat(490)}\n\n`)); // 985 bytes
    expect(ok.events).toHaveLength(1);
    for (const text of ["é".repeat(600), "🎉".repeat(300), "日".repeat(400)]) {
      const { parser } = collect({ maxLineBytes: 1000 });
      expect(() => parser.feed(enc(`data:${text}\n`))).toThrow(
        expect.objectContaining({ code: "STREAM_LINE_TOO_LONG" }),
      );
    }
  });

  it("refuses an event made of 10^6 short data lines", () => {
    const { parser, events } = collect({ maxEventBytes: 4 * 1024 * 1024 });
    const block = enc("data: abcdefgh\n".repeat(4096));
    const run = () => {
      for (let i = 0; i < 250; i++) parser.feed(block);
    };
    expect(run).toThrow(expect.objectContaining({ code: "STREAM_EVENT_TOO_LARGE" }));
    expect(events).toEqual([]);
  });

  it("counts event bytes exactly for multi-byte data", () => {
    const { parser } = collect({ maxEventBytes: 3000 });
    const line = `data: ${"é".repeat(100)}\n`; // 200 bytes of data per line
    expect(() => parser.feed(enc(line.repeat(20)))).toThrow(
      expect.objectContaining({ code: "STREAM_EVENT_TOO_LARGE" }),
    );
    const fits = collect({ maxEventBytes: 3000 });
    fits.parser.feed(enc(`${line.repeat(14)}\n`));
    expect(fits.events).toHaveLength(1);
  });

  it("handles a long line trickling in byte by byte in linear time", () => {
    const { parser, events } = collect({});
    const bytes = enc(`data: ${"y".repeat(300_000)}\n\n`);
    const started = performance.now();
    for (let i = 0; i < bytes.length; i++) parser.feed(bytes.subarray(i, i + 1));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toHaveLength(300_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("never exposes an id containing NUL, and a mid-stream BOM is data, not a field", () => {
    const { parser, events } = collect({});
    parser.feed(enc("id: ok\ndata: 1\n\nid: bad\u0000id\ndata: 2\n\n\uFEFFevent: x\ndata: 3\n\n"));
    expect(events).toEqual([
      { event: "message", data: "1", id: "ok" },
      { event: "message", data: "2" },
      { event: "message", data: "3" },
    ]);
  });
});
