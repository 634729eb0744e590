import { describe, expect, it } from "vitest";
import { formatTinychatRequest } from "./format-tinychat-request";

describe("formatTinychatRequest", () => {
  it("maps the neutral request to Tinychat's body", () => {
    const params = formatTinychatRequest({
      model: "tiny-1",
      system: "Be brief.",
      max_tokens: 256,
      tools: [{ name: "search", description: "Find items", input_schema: { type: "object" } }],
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", text: "", tool_calls: [{ id: "c1", name: "search", arguments: { q: "x" } }] },
        { role: "tool", results: [{ tool_call_id: "c1", content: "[]", is_error: true }] },
      ],
    });
    expect(params).toEqual({
      model: "tiny-1",
      instructions: "Be brief.",
      limit: 256,
      functions: [{ name: "search", about: "Find items", schema: { type: "object" } }],
      turns: [
        { role: "user", text: "hi" },
        { role: "model", text: "", calls: [{ call_id: "c1", tool: "search", input: { q: "x" } }] },
        { role: "results", results: [{ call_id: "c1", output: "[]", error: true }] },
      ],
    });
  });
});
