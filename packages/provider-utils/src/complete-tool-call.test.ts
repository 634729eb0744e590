import type { StreamingToolCall } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { completeToolCall } from "./complete-tool-call";

const call = (arguments_json: string, name = "f"): StreamingToolCall => ({
  index: 0,
  id: "c1",
  name,
  arguments_json,
  is_complete: false,
});

const closed = (c: StreamingToolCall) => {
  completeToolCall(c);
  return c;
};

describe("completeToolCall", () => {
  it("parses a JSON object and marks the call complete", () => {
    expect(closed(call('{"city": "Paris", "days": [1, 2]}'))).toEqual({
      ...call('{"city": "Paris", "days": [1, 2]}'),
      is_complete: true,
      arguments: { city: "Paris", days: [1, 2] },
    });
  });

  it('empty arguments ("") mean {}', () => {
    const c = closed(call(""));
    expect(c.arguments).toEqual({});
    expect(c.parse_error).toBeUndefined();
  });

  it.each([
    ["[1, 2]", "an array"],
    ['"text"', "a string"],
    ["42", "a number"],
    ["true", "a boolean"],
    ["null", "null"],
    ["   ", "not valid JSON"],
    ['{"path": "a.txt", "content": "x"', "not valid JSON"],
  ])("arguments %s are refused (%s), never repaired", (text, kind) => {
    const c = closed(call(text));
    expect(c.is_complete).toBe(true);
    expect(c.parse_error).toContain(kind);
    expect(c.arguments).toBeUndefined();
    expect(c.arguments_json).toBe(text);
  });

  it("a call without a name is refused even with valid arguments", () => {
    const c = closed(call('{"a": 1}', ""));
    expect(c).toMatchObject({ is_complete: true, parse_error: "the tool call has no name" });
    expect(c.arguments).toBeUndefined();
  });
});
