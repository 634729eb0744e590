import OpenAI from "openai";
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
    { id: "call_scripted_id", name: "search", arguments: ARGS_SEARCH },
  ],
  usage: { input_tokens: 321, output_tokens: 45, cache_read_tokens: 7, cache_creation_tokens: 3 },
  chunk_size: 3,
};

const REQUEST = {
  model: "gpt-test-1",
  messages: [{ role: "user" as const, content: "Greet Ada" }],
  tools: [
    {
      type: "function" as const,
      function: { name: "execute", description: "Run an item", parameters: { type: "object" } },
    },
  ],
};

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(turns: FakeTurn[]): Promise<{ server: FakeLlmServer; client: OpenAI }> {
  server = await createFakeLlmServer({ script: { turns } });
  const client = new OpenAI({ apiKey: "test-key", baseURL: server.openaiBaseUrl, maxRetries: 0 });
  return { server, client };
}

describe("fake LLM, OpenAI Chat Completions, checked with the openai SDK", () => {
  it("streams a completion the SDK reconstructs exactly: content, tool_calls, finish_reason, usage", async () => {
    const { server, client } = await start([TURN]);
    const completion = await client.chat.completions
      .stream({ ...REQUEST, stream_options: { include_usage: true } })
      .finalChatCompletion();

    expect(completion.id).toMatch(/^chatcmpl-[0-9A-Za-z]{29}$/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("gpt-test-1");
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content).toBe(TURN.text);
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toHaveLength(2);
    const [greet, search] = calls.map((call) => (call.type === "function" ? call : undefined));
    expect(greet?.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
    expect(greet?.function.name).toBe("execute");
    expect(JSON.parse(greet!.function.arguments)).toEqual(ARGS_GREET);
    expect(search?.id).toBe("call_scripted_id");
    expect(search?.function.name).toBe("search");
    expect(JSON.parse(search!.function.arguments)).toEqual(ARGS_SEARCH);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 331,
      completion_tokens: 45,
      total_tokens: 376,
      prompt_tokens_details: { cached_tokens: 7 },
    });

    const recorded = server.requests[0]!;
    expect(recorded).toMatchObject({ path: "/v1/chat/completions", endpoint: "openai", turnIndex: 0 });
    expect(recorded.headers.authorization).toBe("Bearer test-key");
    expect(recorded.body).toMatchObject({
      ...REQUEST,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("yields raw chunks: role first, many argument fragments, finish chunk, usage chunk", async () => {
    const { client } = await start([TURN]);
    const stream = await client.chat.completions.create({
      ...REQUEST,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(TURN.text);

    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const first = deltas.filter((delta) => delta.index === 0);
    expect(first[0]).toEqual({
      index: 0,
      id: expect.stringMatching(/^call_/),
      type: "function",
      function: { name: "execute", arguments: "" },
    });
    expect(first.length).toBeGreaterThan(20);
    expect(
      first.slice(1).every((delta) => delta.id === undefined && delta.function?.name === undefined),
    ).toBe(true);
    expect(JSON.parse(first.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual(ARGS_GREET);

    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: "tool_calls" });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: 331, completion_tokens: 45 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("frames chunks as bare `data:` lines ending in [DONE]; no usage chunk unless asked", async () => {
    const { server } = await start([{ text: "short" }]);
    const response = await fetch(`${server.openaiBaseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body: JSON.stringify({ ...REQUEST, stream: true }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await response.text());
    expect(events.every((event) => event.event === null)).toBe(true);
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as Record<string, unknown>);
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: "stop", delta: {} }] });
  });

  it("answers a non-streaming create with the same content as one chat.completion", async () => {
    const { client } = await start([TURN]);
    const completion = await client.chat.completions.create(REQUEST);
    expect(completion.object).toBe("chat.completion");
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe(TURN.text);
    const calls = (choice.message.tool_calls ?? []).flatMap((call) =>
      call.type === "function" ? [call] : [],
    );
    expect(calls.map((call) => call.function.name)).toEqual(["execute", "search"]);
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual(ARGS_GREET);
    expect(calls[1]!.id).toBe("call_scripted_id");
    expect(completion.usage).toMatchObject({ prompt_tokens: 331, completion_tokens: 45, total_tokens: 376 });
  });

  it("maps stop reasons to finish_reason and leaves content null for tool-only turns", async () => {
    const { client } = await start([
      { text: "Only words." },
      { tool_calls: [{ name: "help", arguments: {} }] },
      { text: "cut short", stop_reason: "max_tokens" },
    ]);
    const plain = await client.chat.completions.stream(REQUEST).finalChatCompletion();
    expect(plain.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Only words." } });
    const call = await client.chat.completions.stream(REQUEST).finalChatCompletion();
    expect(call.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.choices[0]!.message.content).toBeNull();
    const cut = await client.chat.completions.create(REQUEST);
    expect(cut.choices[0]!.finish_reason).toBe("length");
  });
});
