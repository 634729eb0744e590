import { describe, expect, it } from "vitest";
import { LineSplitter } from "./line-splitter";

function splitAll(chunks: Array<string | Buffer>, max = 1024) {
  const splitter = new LineSplitter(max);
  const lines = chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk)));
  const last = splitter.flush();
  return [...lines, ...(last ? [last] : [])].map((l) => ({
    text: l.bytes.toString("utf8"),
    cut: l.truncated,
  }));
}

describe("LineSplitter", () => {
  it("splits on \\n and \\r\\n, keeps empty lines, and returns a partial last line on flush", () => {
    expect(splitAll(["a\nb\r\n\nc"]).map((l) => l.text)).toEqual(["a", "b", "", "c"]);
  });

  it("gives the same lines whatever the chunk boundaries (every split point, \\r\\n included)", () => {
    const text = "first\r\nsecond line\n\r\nthird\ré\n€ fin";
    const expected = splitAll([text]);
    for (let i = 0; i <= Buffer.byteLength(text); i++) {
      const bytes = Buffer.from(text);
      expect(splitAll([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(expected);
    }
    const oneByteAtATime = [...Buffer.from(text)].map((b) => Buffer.from([b]));
    expect(splitAll(oneByteAtATime)).toEqual(expected);
  });

  it("keeps a lone \\r inside a line", () => {
    expect(splitAll(["a\rb\n"]).map((l) => l.text)).toEqual(["a\rb"]);
  });

  it("cuts an over-long line at the bound, flags it, and skips the rest until the next \\n", () => {
    expect(splitAll(["0123456789abc", "def\nok\n"], 10)).toEqual([
      { text: "0123456789", cut: true },
      { text: "ok", cut: false },
    ]);
  });

  it("does not flag a line of exactly the bound, with or without \\r\\n", () => {
    expect(splitAll(["0123456789\n0123456789\r\n"], 10)).toEqual([
      { text: "0123456789", cut: false },
      { text: "0123456789", cut: false },
    ]);
  });

  it("never cuts inside a UTF-8 character", () => {
    const [line] = splitAll(["aé€€€\n"], 4);
    expect(line).toEqual({ text: "aé", cut: true });
  });

  it("holds at most the bound in memory for an endless line", () => {
    const splitter = new LineSplitter(1000);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 200; i++) expect(splitter.push(chunk)).toEqual([]);
    const last = splitter.flush();
    expect(last?.bytes.length).toBe(1000);
    expect(last?.truncated).toBe(true);
  });
});
