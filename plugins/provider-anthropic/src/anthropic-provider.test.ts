import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createAnthropicProvider } from "./anthropic-provider";
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

describe("createAnthropicProvider", () => {
  const provider = createAnthropicProvider();

  it("is a provider-v1 object", () => {
    expect(provider.specificationVersion).toBe("provider-v1");
    expect(provider.id).toBe("anthropic");
    expect(provider.threadTool).toBe("anthropic_thread");
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
    const params = provider.formatRequest({ model: "m", system: "", messages: [], tools: [], max_tokens: 1 });
    expect([...Object.keys(params), "thread_id"].sort()).toEqual(accepted);
    // Every parameter reaches the request body through a whole-value placeholder.
    for (const name of Object.keys(params)) expect(endpoint.config.body?.[name]).toBe(`{${name}}`);
  });

  it("the thread tool streams to the caller and to the thread's stream.jsonl", () => {
    const thread = tool("anthropic_thread");
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
    const endpoint = tool("anthropic_messages");
    expect(endpoint.env).toEqual(["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"]);
    expect(endpoint.config.url).toBe("${ANTHROPIC_BASE_URL:-https://api.anthropic.com}/v1/messages");
    expect(endpoint.config.mode).toBe("stream");
    expect(endpoint.config.body?.stream).toBe(true);
    expect(endpoint.config.retry).toMatchObject({ max_attempts: 3, backoff_ms: [1000, 4000] });
  });
});
