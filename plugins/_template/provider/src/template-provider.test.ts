import { readSseFixture, testProvider } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { formatTemplateRequest } from "./format-template-request";
import { createTemplateProvider } from "./template-provider";

// Recorded responses of the API (here written by hand for the made-up Template API: record your own).
const fixture = (name: string) => readSseFixture(new URL(`./__fixtures__/${name}`, import.meta.url)).events;

// The shared provider-v1 conformance suite: every Kiwi provider runs it.
testProvider("template", createTemplateProvider, {
  packageDir: new URL("..", import.meta.url),
  models: { priced: "template-1", unpriced: "template-2-preview" },
  streams: {
    text: {
      events: fixture("text-only.sse"),
      expected: { text_blocks: ['Hello! How can I help? été "quoted"\n— 😀'] },
    },
    toolCalls: {
      events: fixture("text-and-tool-calls.sse"),
      expected: {
        tool_calls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris", note: "café" } }],
        // 1400 input tokens of which 1024 cached: the neutral counts are disjoint.
        usage: { input_tokens: 376, output_tokens: 40, cache_read_tokens: 1024, cache_creation_tokens: 0 },
      },
    },
    cut: { events: fixture("cut-stream.sse") },
    brokenToolJson: { events: fixture("broken-tool-json.sse"), expected: { stop_reason: "max_tokens" } },
    error: {
      events: fixture("error-event.sse"),
      expected: { error: { type: "overloaded", message: "Try again later" } },
    },
  },
});

describe("formatTemplateRequest", () => {
  it("sends one tool message per result", () => {
    const params = formatTemplateRequest({
      model: "template-1",
      system: "",
      max_tokens: 10,
      tools: [],
      messages: [
        {
          role: "tool",
          results: [
            { tool_call_id: "a", content: "1" },
            { tool_call_id: "b", content: "2", is_error: true },
          ],
        },
      ],
    });
    expect(params.messages).toEqual([
      { role: "tool", tool_call_id: "a", content: "1", is_error: false },
      { role: "tool", tool_call_id: "b", content: "2", is_error: true },
    ]);
  });
});
