import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createOpenAIProvider } from "./openai-provider";
import { fixtureEvents } from "./sse-fixture";

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

describe("createOpenAIProvider", () => {
  const provider = createOpenAIProvider();

  it("is a provider-v1 object", () => {
    expect(provider.specificationVersion).toBe("provider-v1");
    expect(provider.id).toBe("openai");
    expect(provider.threadTool).toBe("openai_thread");
    expect(typeof provider.formatRequest).toBe("function");
    expect(typeof provider.createStreamParser).toBe("function");
  });

  it("each createStreamParser() call starts fresh", () => {
    const a = provider.createStreamParser();
    for (const event of fixtureEvents("text-only.sse")) a.push(event);
    expect(provider.createStreamParser().state.events).toBe(0);
    expect(a.state.clean_finish).toBe(true);
  });

  it("formatRequest gives exactly the thread tool's parameters (besides thread_id)", () => {
    const thread = tool(provider.threadTool);
    const endpoint = tool(thread.executor_id);
    expect(endpoint.executor_id).toBe("http_client");
    const accepted = [...thread.parameters, ...endpoint.parameters].map((p) => p.name).sort();
    const tools = [{ name: "f", description: "d", input_schema: { type: "object" } }];
    const params = provider.formatRequest({ model: "m", system: "", messages: [], tools, max_tokens: 1 });
    expect([...Object.keys(params), "thread_id"].sort()).toEqual(accepted);
    // Every parameter reaches the request body through a whole-value placeholder.
    for (const name of Object.keys(params)) expect(endpoint.config.body?.[name]).toBe(`{${name}}`);
  });

  it("the thread tool streams to the caller and to the thread's stream.jsonl", () => {
    const thread = tool("openai_thread");
    expect(thread.requires).toEqual(["net.http"]);
    expect(thread.parameters).toEqual([
      expect.objectContaining({ name: "thread_id", type: "string", required: true }),
    ]);
    expect(thread.config).toEqual({
      stream: {
        destinations: [
          { type: "return" },
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
