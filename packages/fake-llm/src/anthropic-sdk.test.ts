import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeLlmServer } from "./index";
import { parseSse } from "./read-sse";
import type { FakeTurn } from "./script";
import type { FakeLlmServer } from "./server-types";

// The official SDK is the oracle: whatever it reconstructs from the fake's bytes is what a harness built
// on the real API would see.

const ARGS_GREET = {
  item_type: "tool",
  action: "run",
  item_id: "greet",
  parameters: { who: "Ada", nested: { list: [1, 2.5, { deep: 'quote " slash \\ newline \n' }], none: null } },
};
const ARGS_SEARCH = { item_type: "knowledge", query: "permissions 🥝", limit: 3 };

const TURN: FakeTurn = {
  text: "Hello, Ada! Checking 🥝 Kiwi for you — one moment.",
  tool_calls: [
    { name: "execute", arguments: ARGS_GREET },
    { id: "toolu_scripted_id", name: "search", arguments: ARGS_SEARCH },
  ],
  usage: { input_tokens: 321, output_tokens: 45, cache_read_tokens: 7, cache_creation_tokens: 3 },
  chunk_size: 3,
};

const REQUEST = {
  model: "claude-test-1",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: "Greet Ada" }],
  tools: [{ name: "execute", description: "Run an item", input_schema: { type: "object" as const } }],
};

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(turns: FakeTurn[]): Promise<{ server: FakeLlmServer; client: Anthropic }> {
  server = await createFakeLlmServer({ script: { turns } });
  const client = new Anthropic({ apiKey: "test-key", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
  return { server, client };
}

describe("fake LLM, Anthropic Messages, checked with @anthropic-ai/sdk", () => {
  it("streams a message the SDK reconstructs exactly: text, tool_use inputs, stop reason, usage", async () => {
    const { server, client } = await start([TURN]);
    const message = await client.messages.stream(REQUEST).finalMessage();

    expect(message.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(message.model).toBe("claude-test-1");
    expect(message.role).toBe("assistant");
    expect(message.content).toHaveLength(3);
    expect(message.content[0]).toEqual({ type: "text", text: TURN.text });
    const [, first, second] = message.content;
    expect(first).toMatchObject({ type: "tool_use", name: "execute" });
    expect(first?.type === "tool_use" && first.id).toMatch(/^toolu_01[0-9A-Za-z]{22}$/);
    expect(first?.type === "tool_use" && first.input).toEqual(ARGS_GREET);
    expect(second).toEqual({ type: "tool_use", id: "toolu_scripted_id", name: "search", input: ARGS_SEARCH });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.stop_sequence).toBeNull();
    expect(message.usage).toMatchObject({
      input_tokens: 321,
      output_tokens: 45,
      cache_read_input_tokens: 7,
      cache_creation_input_tokens: 3,
    });

    expect(server.requests).toHaveLength(1);
    const recorded = server.requests[0]!;
    expect(recorded).toMatchObject({
      method: "POST",
      path: "/v1/messages",
      endpoint: "anthropic",
      turnIndex: 0,
    });
    // This SDK version sends the key as `authorization: Bearer`; older ones (and Kiwi's own endpoint tools) as x-api-key.
    const key = recorded.headers["x-api-key"] ?? recorded.headers.authorization?.replace(/^Bearer /, "");
    expect(key).toBe("test-key");
    expect(recorded.headers["anthropic-version"]).toBeTruthy();
    expect(recorded.body).toMatchObject({ ...REQUEST, stream: true });
    expect(server.remaining()).toBe(0);
  });

  it("sends the real event sequence, with tool input in many input_json_delta fragments", async () => {
    const { client } = await start([TURN]);
    const types: string[] = [];
    const fragments: string[] = [];
    const textPieces: string[] = [];
    const stream = client.messages.stream(REQUEST);
    for await (const event of stream) {
      types.push(event.type === "content_block_delta" ? `delta:${event.delta.type}` : event.type);
      if (
        event.type === "content_block_delta" &&
        event.delta.type === "input_json_delta" &&
        event.index === 1
      ) {
        fragments.push(event.delta.partial_json);
      }
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
        textPieces.push(event.delta.text);
      }
      if (event.type === "message_start") {
        expect(event.message).toMatchObject({ content: [], stop_reason: null, usage: { output_tokens: 1 } });
      }
    }
    const collapsed = types.filter((type, i) => type !== types[i - 1]);
    expect(collapsed).toEqual([
      "message_start",
      "content_block_start",
      "delta:text_delta",
      "content_block_stop",
      "content_block_start",
      "delta:input_json_delta",
      "content_block_stop",
      "content_block_start",
      "delta:input_json_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(textPieces.length).toBeGreaterThan(10);
    expect(textPieces.join("")).toBe(TURN.text);
    // The API opens a tool input with an empty fragment; the rest add up to the JSON text.
    expect(fragments[0]).toBe("");
    expect(fragments.length).toBeGreaterThan(20);
    expect(JSON.parse(fragments.join(""))).toEqual(ARGS_GREET);
  });

  it("frames events as `event:`/`data:` pairs, with the API's ping and extra pings on request", async () => {
    const { server } = await start([{ ...TURN, ping_every: 4 }]);
    const response = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ ...REQUEST, stream: true }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    const events = parseSse(await response.text());
    for (const event of events) {
      expect(event.event).toBe((JSON.parse(event.data) as { type: string }).type);
    }
    const names = events.map((event) => event.event);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(names.filter((name) => name === "ping").length).toBeGreaterThan(3);
    expect(names.at(-1)).toBe("message_stop");
    expect(JSON.parse(events.at(-2)!.data)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { output_tokens: 45 },
    });
  });

  it("answers messages.create (non-streaming) with the same content as one Message", async () => {
    const { client, server } = await start([TURN]);
    const message = await client.messages.create(REQUEST);
    expect(message.type).toBe("message");
    expect(message.content[0]).toEqual({ type: "text", text: TURN.text });
    expect(message.content[1]).toMatchObject({ type: "tool_use", name: "execute", input: ARGS_GREET });
    expect(message.content[2]).toEqual({
      type: "tool_use",
      id: "toolu_scripted_id",
      name: "search",
      input: ARGS_SEARCH,
    });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage).toMatchObject({ input_tokens: 321, output_tokens: 45, cache_read_input_tokens: 7 });
    expect(server.requests[0]!.body).toMatchObject({ model: "claude-test-1" });
    expect((server.requests[0]!.body as { stream?: unknown }).stream).toBeUndefined();
  });

  it("fills defaults: end_turn for text only, tool_use with calls, rough usage, scripted model", async () => {
    const { client } = await start([
      { text: "Only words." },
      { tool_calls: [{ name: "help", arguments: {} }], model: "claude-scripted" },
      { text: "cut short", stop_reason: "max_tokens" },
    ]);
    const plain = await client.messages.stream(REQUEST).finalMessage();
    expect(plain.stop_reason).toBe("end_turn");
    expect(plain.usage.input_tokens).toBe(100);
    expect(plain.usage.output_tokens).toBeGreaterThan(0);
    const call = await client.messages.stream(REQUEST).finalMessage();
    expect(call.stop_reason).toBe("tool_use");
    expect(call.model).toBe("claude-scripted");
    expect(call.content).toEqual([{ type: "tool_use", id: expect.any(String), name: "help", input: {} }]);
    const cut = await client.messages.create(REQUEST);
    expect(cut.stop_reason).toBe("max_tokens");
  });
});
