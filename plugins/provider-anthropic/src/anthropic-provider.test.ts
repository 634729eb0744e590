import { readFileSync } from "node:fs";
import { testProvider } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createAnthropicProvider } from "./anthropic-provider";
import { fixture } from "./test-fixtures";

interface ToolYaml {
  tool_id: string;
  executor_id: string;
  requires: string[];
  env?: string[];
  parameters: { name: string; required?: boolean; default?: unknown }[];
  config: Record<string, unknown> & { body?: Record<string, unknown> };
}

const tool = (id: string): ToolYaml =>
  parse(readFileSync(new URL(`../.ai/tools/llm/${id}.yaml`, import.meta.url), "utf8")) as ToolYaml;

// The provider-v1 conformance suite every provider runs, on the recorded Messages streams.
testProvider("anthropic", createAnthropicProvider, {
  packageDir: new URL("..", import.meta.url),
  models: { priced: "claude-haiku-4-5", unpriced: "claude-unknown-9", at: new Date("2026-06-01T00:00:00Z") },
  streams: {
    text: {
      events: fixture("text-only.sse").events,
      expected: {
        message_id: "msg_01XFDUDYJgAACzvnptvVoYEL",
        model: "claude-sonnet-4-5-20250929",
        text_blocks: [
          'Hello! I\'m Claude, an AI assistant made by Anthropic. How can I help you today? été "quoted"\n— 😀',
        ],
        usage: { input_tokens: 21, output_tokens: 31, cache_read_tokens: 0, cache_creation_tokens: 0 },
      },
    },
    toolCalls: {
      events: fixture("text-and-tool-calls.sse").events,
      expected: {
        text_blocks: ["I'll check the weather in both cities for you."],
        tool_calls: [
          {
            index: 1,
            id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            name: "get_weather",
            arguments_json: '{"city": "Paris", "unit": "celsius", "note": "caf\\u00e9 \\"terrace\\""}',
            arguments: { city: "Paris", unit: "celsius", note: 'café "terrace"' },
          },
          {
            index: 2,
            id: "toolu_01VtBY1dQc5VmKhGzP9z8eMR",
            name: "get_weather",
            arguments_json: '{"city": "Tokyo", "unit": "celsius", "days": [1, 2]}',
            arguments: { city: "Tokyo", unit: "celsius", days: [1, 2] },
          },
        ],
        usage: {
          input_tokens: 312,
          output_tokens: 142,
          cache_read_tokens: 2048,
          cache_creation_tokens: 1536,
        },
      },
    },
    cut: {
      events: fixture("cut-stream.sse").events,
      expected: {
        text_blocks: ["Writing the file now."],
        tool_calls: [
          {
            id: "toolu_01BmGz3FfFq6cS4y8pT2n1Xk",
            name: "write_file",
            is_complete: false,
            arguments_json: '{"path": "notes/todo.md", "content": "- buy milk\\n- call',
          },
        ],
        stop_reason: null,
        usage: { input_tokens: 480, output_tokens: 3, cache_read_tokens: 0, cache_creation_tokens: 0 },
      },
    },
    brokenToolJson: {
      events: fixture("broken-tool-json.sse").events,
      expected: {
        tool_calls: [
          {
            is_complete: true,
            arguments_json: '{"path": "a.txt", "content": "x"',
            parse_error: expect.stringMatching(/^arguments are not valid JSON/),
          },
        ],
        stop_reason: "max_tokens",
        clean_finish: true,
      },
    },
    error: {
      events: fixture("error-event.sse").events,
      expected: {
        error: { type: "overloaded_error", message: "Overloaded" },
        text_blocks: ["Let me think about"],
      },
    },
  },
});

describe("createAnthropicProvider's data", () => {
  it("the thread tool streams to the thread's stream.jsonl and buffers nothing (the caller parses through its own sink)", () => {
    const thread = tool("anthropic_thread");
    expect(thread.requires).toEqual(["net.http"]);
    expect(thread.parameters).toEqual([
      expect.objectContaining({ name: "thread_id", type: "string", required: true }),
    ]);
    expect(thread.config).toEqual({
      stream: {
        destinations: [
          {
            type: "file_sink",
            path: ".ai/threads/{thread_id}/stream.jsonl",
            format: "jsonl",
            flush_every: 256,
            fsync_on_close: false,
          },
        ],
      },
    });
  });

  it("the endpoint reads only its declared environment and streams with bounded retries", () => {
    const endpoint = tool("anthropic_messages");
    expect(endpoint.env).toEqual(["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]);
    expect(endpoint.config.url).toBe("${ANTHROPIC_BASE_URL:-https://api.anthropic.com}/v1/messages");
    expect(endpoint.config.mode).toBe("stream");
    expect(endpoint.config.body?.stream).toBe(true);
    expect(endpoint.config.retry).toMatchObject({ max_attempts: 3, backoff_ms: [1000, 4000] });
  });
});
