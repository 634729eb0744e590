import { readFileSync } from "node:fs";
import { testProvider } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createOpenAIProvider } from "./openai-provider";
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

// The provider-v1 conformance suite every provider runs, on the recorded Chat Completions streams.
testProvider("openai", createOpenAIProvider, {
  packageDir: new URL("..", import.meta.url),
  models: { priced: "gpt-4.1-mini", unpriced: "gpt-unknown-9", at: new Date("2025-09-01T00:00:00Z") },
  streams: {
    text: {
      events: fixture("text-only.sse").events,
      expected: {
        message_id: "chatcmpl-CXs8kVq1FhN2nA7Yc0bT4rLzP9uEw",
        model: "gpt-4.1-2025-04-14",
        text_blocks: ['Hello! How can I help you today? été "quoted"\n— 😀'],
        usage: { input_tokens: 19, output_tokens: 10, cache_read_tokens: 0, cache_creation_tokens: 0 },
      },
    },
    toolCalls: {
      events: fixture("text-and-tool-calls.sse").events,
      expected: {
        text_blocks: ["I'll check the weather in both cities."],
        tool_calls: [
          {
            index: 0,
            id: "call_pL4nW8xQ2eR6tY0uI3oA5sDf",
            name: "get_weather",
            arguments_json: '{"city":"Paris","unit":"celsius","note":"caf\\u00e9 \\"terrace\\""}',
            arguments: { city: "Paris", unit: "celsius", note: 'café "terrace"' },
          },
          {
            index: 1,
            id: "call_Zx9Cv2Bn4Mm6Kk8Jj0Hh1Gg3",
            name: "get_weather",
            arguments_json: '{"city":"Tokyo","unit":"celsius","days":[1,2]}',
            arguments: { city: "Tokyo", unit: "celsius", days: [1, 2] },
          },
        ],
        // prompt_tokens 1406 of which 1152 cached → 254 uncached input.
        usage: { input_tokens: 254, output_tokens: 61, cache_read_tokens: 1152, cache_creation_tokens: 0 },
      },
    },
    cut: {
      events: fixture("cut-stream.sse").events,
      expected: {
        tool_calls: [
          {
            id: "call_Qw1Er2Ty3Ui4Op5As6Df7Gh8",
            name: "write_file",
            is_complete: false,
            arguments_json: '{"path":"notes/todo.md","content":"- buy milk\\n- call',
          },
        ],
        stop_reason: null,
      },
    },
    brokenToolJson: {
      events: fixture("broken-tool-json.sse").events,
      expected: {
        tool_calls: [
          { is_complete: true, parse_error: expect.stringMatching(/^arguments are not valid JSON/) },
        ],
        stop_reason: "max_tokens",
        clean_finish: true,
      },
    },
    error: {
      events: fixture("error-event.sse").events,
      expected: {
        error: {
          type: "server_error",
          message: "The server had an error while processing your request. Sorry about that!",
        },
        text_blocks: ["Let me think about"],
      },
    },
  },
});

describe("createOpenAIProvider's data", () => {
  it("the thread tool streams to the thread's stream.jsonl and buffers nothing (the caller parses through its own sink)", () => {
    const thread = tool("openai_thread");
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
    const endpoint = tool("openai_chat");
    expect(endpoint.env).toEqual(["OPENAI_API_KEY", "OPENAI_BASE_URL"]);
    expect(endpoint.config.url).toBe("${OPENAI_BASE_URL:-https://api.openai.com/v1}/chat/completions");
    expect(endpoint.config.mode).toBe("stream");
    expect(endpoint.config.body?.stream).toBe(true);
    expect(endpoint.config.body?.stream_options).toEqual({ include_usage: true });
    // tools has no default: an absent whole-value placeholder drops the key, as the API wants.
    expect(endpoint.parameters.find((p) => p.name === "tools")).not.toHaveProperty("default");
    expect(endpoint.config.retry).toMatchObject({ max_attempts: 3, backoff_ms: [1000, 4000] });
  });
});
