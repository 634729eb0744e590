import { describe, expect, it } from "vitest";
import { inert, inertJson } from "./inert";
import { HOSTILE_TEXT, LIVE_CONTROL } from "./test-support";

describe("inert", () => {
  it.each(Object.entries(HOSTILE_TEXT))("renders %s visible and harmless", (_kind, text) => {
    const shown = inert(text);
    expect(shown).not.toMatch(LIVE_CONTROL);
    expect(shown.length).toBeGreaterThan(text.length);
  });

  it("writes each control as a readable escape and keeps tabs, newlines and ordinary text", () => {
    expect(inert(HOSTILE_TEXT.colour)).toBe("\\x1b[31mred\\x1b[0m");
    expect(inert(HOSTILE_TEXT.title)).toBe("\\x1b]0;pwned title\\x07");
    expect(inert(HOSTILE_TEXT.c1Csi)).toBe("\\x9b31mc1 red");
    expect(inert(HOSTILE_TEXT.rlo)).toBe("file\\u202etxt.exe");
    expect(inert(HOSTILE_TEXT.carriage)).toBe("harmless\\x0doverwritten");
    expect(inert("a\tb\nc — ünïcödé, 中文, עברית, emoji 🥝")).toBe(
      "a\tb\nc — ünïcödé, 中文, עברית, emoji 🥝",
    );
  });

  it("inertJson escapes the same characters as JSON escapes: same value, inert bytes", () => {
    const value = { text: Object.values(HOSTILE_TEXT).join(" | "), nested: ["\u202E", "\u009b"] };
    const json = inertJson(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(LIVE_CONTROL);
    expect(JSON.parse(json)).toEqual(value);
  });
});
