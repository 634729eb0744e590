// The provider-v1 conformance suite every Kiwi provider runs, here on recorded Tinychat streams
// (__fixtures__/*.sse, written by the loopback server of test-support/ and cut or broken by hand).
import { readSseFixture, testProvider } from "@kiwi/testing";
import { createTinychatProvider } from "./tinychat-provider";

const fixture = (name: string) => readSseFixture(new URL(`./__fixtures__/${name}`, import.meta.url)).events;

testProvider("tinychat", createTinychatProvider, {
  packageDir: new URL("..", import.meta.url),
  models: { priced: "tiny-1", unpriced: "tiny-2-preview", at: new Date("2026-03-01T00:00:00Z") },
  streams: {
    text: {
      events: fixture("text-only.sse"),
      expected: {
        message_id: "gen_1",
        model: "tiny-1",
        text_blocks: ['Hello! Tinychat here: été "quoted"\n— 😀'],
        usage: { input_tokens: 42, output_tokens: 17, cache_read_tokens: 0, cache_creation_tokens: 0 },
      },
    },
    toolCalls: {
      events: fixture("text-and-tool-calls.sse"),
      expected: {
        text_blocks: ["I'll check the weather in both cities."],
        tool_calls: [
          {
            id: "call_paris",
            name: "get_weather",
            arguments: { city: "Paris", unit: "celsius", note: 'café "terrace"' },
          },
          { id: "call_tokyo", name: "get_weather", arguments: { city: "Tokyo", days: [1, 2] } },
        ],
        // prompt 1406 with 1152 cached → 254 uncached input.
        usage: { input_tokens: 254, output_tokens: 61, cache_read_tokens: 1152, cache_creation_tokens: 0 },
      },
    },
    cut: {
      events: fixture("cut-stream.sse"),
      expected: {
        text_blocks: ["Writing the file now."],
        tool_calls: [
          {
            id: "call_write",
            is_complete: false,
            arguments_json: '{"path":"notes/todo.md","content":"- buy milk\\n- call',
          },
        ],
      },
    },
    brokenToolJson: { events: fixture("broken-tool-json.sse"), expected: { stop_reason: "max_tokens" } },
    error: {
      events: fixture("error-event.sse"),
      expected: { error: { type: "overloaded", message: "Tinychat is overloaded, try again later" } },
    },
  },
});
