import { describe, expect, it } from "vitest";
import { FakeScriptError, parseFakeScript } from "./parse-fake-script";
import type { FakeScript } from "./script";

function issuesOf(value: unknown): readonly string[] {
  try {
    parseFakeScript(value);
  } catch (error) {
    if (error instanceof FakeScriptError) return error.issues;
    throw error;
  }
  return [];
}

describe("parseFakeScript", () => {
  it("accepts a full script and returns a copy the caller cannot change afterwards", () => {
    const script: FakeScript = {
      turns: [
        {
          text: "hi",
          tool_calls: [{ id: "t1", name: "search", arguments: { query: "x" } }],
          usage: { input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_creation_tokens: 4 },
          stop_reason: "tool_use",
          model: "m",
          chunk_size: 3,
          delay_ms: 0,
          drop_after_bytes: 0,
          error: { type: "overloaded_error", message: "Overloaded" },
          http_status: 529,
          ping_every: 2,
        },
      ],
    };
    const parsed = parseFakeScript(script);
    expect(parsed).toEqual(script);
    script.turns[0]!.text = "changed";
    expect(parsed.turns[0]!.text).toBe("hi");
  });

  it("collects every problem with its place, and refuses unknown fields", () => {
    expect(issuesOf(null)).toEqual(["script: must be an object {turns: [...]}"]);
    const issues = issuesOf({
      turns: [
        { tool_call: [] },
        { chunk_size: 0, http_status: 200, stop_reason: "done", usage: { input: 3 } },
        { tool_calls: [{ name: "", arguments: [] }], error: { type: "x" } },
        "text",
      ],
    });
    expect(issues).toEqual([
      expect.stringMatching(/^turns\[0\]\.tool_call: unknown field/),
      expect.stringMatching(/^turns\[1\]\.stop_reason:/),
      "turns[1].chunk_size: must be an integer ≥ 1",
      "turns[1].http_status: must be an error status from 400 to 599",
      expect.stringMatching(/^turns\[1\]\.usage\.input: unknown field/),
      "turns[2].error: must be {type: string, message: string}",
      "turns[2].tool_calls[0].name: must be a non-empty string",
      "turns[2].tool_calls[0].arguments: must be an object",
      "turns[3]: must be an object",
    ]);
  });
});
