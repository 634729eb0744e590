import type { SinkEvent } from "@kiwi/spec";
import { createParser } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { createSseParser } from "./sse-parser";

const enc = (s: string) => new TextEncoder().encode(s);

function parseChunks(chunks: Uint8Array[], limits: { maxLineBytes?: number; maxEventBytes?: number } = {}) {
  const events: SinkEvent[] = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e), ...limits });
  for (const c of chunks) parser.feed(c);
  return { events, incomplete: parser.end() };
}

const parse = (text: string) => parseChunks([enc(text)]);

/** eventsource-parser 3.1.1 as an oracle (bytes decoded the same way). */
function oracle(bytes: Uint8Array): SinkEvent[] {
  const events: SinkEvent[] = [];
  const p = createParser({
    onEvent: (e) =>
      events.push(
        e.id === undefined
          ? { event: e.event ?? "message", data: e.data }
          : { event: e.event ?? "message", data: e.data, id: e.id },
      ),
  });
  p.feed(new TextDecoder().decode(bytes));
  return events;
}

/** A small deterministic PRNG so random splits are reproducible. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FIXTURES: Record<string, string> = {
  basic: "event: a\ndata: 1\nid: x\n\ndata: two\ndata: lines\n\n: comment\n\ndata:nospace\n\n",
  crlf: "data: a\r\ndata: b\r\n\r\nevent: e\r\ndata: c\r\n\r\n",
  cr: "data: a\rdata: b\r\rdata: c\r\r",
  mixed: "data: a\r\n\rdata: b\n\r\ndata: c\r\r\n\n",
  bom: "\uFEFFdata: bom\n\n\uFEFFdata: not-a-field\n\ndata: after\n\n",
  multibyte: "data: héllo wörld 日本語 🎉\n\nevent: ü\ndata: 𝄞𝄞\n\n",
  fields:
    "data\n\ndata:\n\ndata:  two spaces\n\nid: a\u0000b\ndata: nul\n\nretry: 100\nfoo: bar\ndata: after\n\nid\ndata: empty-id\n\n",
  noData: "event: x\n\nid: 1\n\nevent:\ndata: d\n\n",
  pings: ": ping\n\n:\n\n: ping\r\ndata: x\n\n",
  anthropic:
    'event: message_start\ndata: {"type":"message_start"}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hé"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
  partialAtEnd: "data: complete\n\ndata: partial\n",
};

describe("createSseParser", () => {
  it("parses event, data, id and multi-line data", () => {
    expect(parse(FIXTURES.basic!).events).toEqual([
      { event: "a", data: "1", id: "x" },
      { event: "message", data: "two\nlines" },
      { event: "message", data: "nospace" },
    ]);
  });

  it("accepts CRLF, CR and LF line ends, mixed", () => {
    expect(parse(FIXTURES.crlf!).events).toEqual([
      { event: "message", data: "a\nb" },
      { event: "e", data: "c" },
    ]);
    expect(parse(FIXTURES.cr!).events.map((e) => e.data)).toEqual(["a\nb", "c"]);
    expect(parse(FIXTURES.mixed!).events.map((e) => e.data)).toEqual(["a", "b", "c"]);
  });

  it("strips one leading BOM only", () => {
    expect(parse(FIXTURES.bom!).events.map((e) => e.data)).toEqual(["bom", "after"]);
  });

  it("follows the spec on fields: no colon, one space stripped, NUL id ignored, retry and unknown ignored", () => {
    expect(parse(FIXTURES.fields!).events).toEqual([
      { event: "message", data: "" },
      { event: "message", data: "" },
      { event: "message", data: " two spaces" },
      { event: "message", data: "nul" },
      { event: "message", data: "after" },
      { event: "message", data: "empty-id", id: "" },
    ]);
  });

  it("dispatches nothing without data, defaults an empty event name to message, skips comments", () => {
    expect(parse(FIXTURES.noData!).events).toEqual([{ event: "message", data: "d" }]);
    expect(parse(FIXTURES.pings!).events).toEqual([{ event: "message", data: "x" }]);
  });

  it("discards an incomplete event at the end and says so", () => {
    const r = parse(FIXTURES.partialAtEnd!);
    expect(r.events).toEqual([{ event: "message", data: "complete" }]);
    expect(r.incomplete).toBe(true);
    expect(parse(FIXTURES.basic!).incomplete).toBe(false);
    expect(parse("data: x\n\ndata: cut mid-li").incomplete).toBe(true);
  });

  it("keeps multi-byte characters split across chunks intact", () => {
    expect(parse(FIXTURES.multibyte!).events).toEqual([
      { event: "message", data: "héllo wörld 日本語 🎉" },
      { event: "ü", data: "𝄞𝄞" },
    ]);
  });

  // Not "cr": eventsource-parser holds a CR that ends its input waiting for a possible LF and so never
  // dispatches the last event; per the spec a lone CR is a complete line end.
  it.each(Object.keys(FIXTURES).filter((n) => n !== "cr"))("agrees with eventsource-parser on %s", (name) => {
    const bytes = enc(FIXTURES[name]!);
    expect(parseChunks([bytes]).events).toEqual(oracle(bytes));
  });

  it.each(Object.keys(FIXTURES))("gives the same events for every split of %s", (name) => {
    const bytes = enc(FIXTURES[name]!);
    const whole = parseChunks([bytes]);
    for (let i = 0; i <= bytes.length; i++) {
      expect(parseChunks([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`).toEqual(whole);
    }
    const bytewise = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(parseChunks(bytewise)).toEqual(whole);
    const rand = prng(name.length * 7919);
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 6) }, () =>
        Math.floor(rand() * bytes.length),
      ).sort((a, b) => a - b);
      const chunks = [0, ...cuts].map((from, k) =>
        bytes.subarray(from, k < cuts.length ? cuts[k] : bytes.length),
      );
      expect(parseChunks(chunks), `cuts ${cuts.join(",")}`).toEqual(whole);
    }
  });
});
