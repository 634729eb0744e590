// The official SDK as an oracle: the same recorded bytes go through `chat.completions.stream()` →
// `finalChatCompletion()` (served by an injected fetch, no global patching) and through our parser.
import type { StreamState } from "@kiwi/spec";
import { sseEvents, sseFetch } from "@kiwi/testing";
import OpenAI from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { createOpenAIStreamParser, mapOpenAIFinishReason } from "./openai-stream-parser";
import { fixture } from "./test-fixtures";

function client(text: string): OpenAI {
  return new OpenAI({
    apiKey: "test-key",
    baseURL: "http://fixture.invalid/v1",
    maxRetries: 0,
    fetch: sseFetch(text),
  });
}

async function sdkFinal(text: string): Promise<ChatCompletion> {
  return client(text)
    .chat.completions.stream({
      model: "fixture-model",
      messages: [{ role: "user", content: "hi" }],
      stream_options: { include_usage: true },
    })
    .finalChatCompletion();
}

function ours(text: string): StreamState {
  const parser = createOpenAIStreamParser();
  for (const event of sseEvents(text)) parser.push(event);
  return parser.state;
}

describe("cross-check against openai ChatCompletionStream", () => {
  it.each(["text-only.sse", "text-and-tool-calls.sse"])(
    "%s: same text, tool calls, usage, finish",
    async (name) => {
      const text = fixture(name).text;
      const completion = await sdkFinal(text);
      const state = ours(text);
      const choice = completion.choices[0]!;
      expect(state.message_id).toBe(completion.id);
      expect(state.model).toBe(completion.model);
      expect(state.text_blocks.join("")).toBe(choice.message.content ?? "");
      expect(state.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }))).toEqual(
        (choice.message.tool_calls ?? []).map((c) => {
          if (c.type !== "function") throw new Error("unexpected custom tool call");
          return { id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) };
        }),
      );
      const usage = completion.usage!;
      const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
      expect(state.usage).toEqual({
        input_tokens: usage.prompt_tokens - cached,
        output_tokens: usage.completion_tokens,
        cache_read_tokens: cached,
        cache_creation_tokens: 0,
      });
      expect(state.stop_reason).toBe(mapOpenAIFinishReason(choice.finish_reason));
      expect(state.clean_finish).toBe(true);
    },
  );

  it("broken tool JSON: the SDK hands back the raw text; we refuse to parse it into a call", async () => {
    const text = fixture("broken-tool-json.sse").text;
    const completion = await sdkFinal(text);
    const sdkCall = completion.choices[0]!.message.tool_calls?.[0];
    const state = ours(text);
    expect(sdkCall?.type === "function" ? sdkCall.function.arguments : undefined).toBe(
      state.tool_calls[0]!.arguments_json,
    );
    expect(() => JSON.parse(state.tool_calls[0]!.arguments_json)).toThrow();
    expect(state.tool_calls[0]!.parse_error).toBeDefined();
    expect(state.stop_reason).toBe("max_tokens");
  });

  it("error mid-stream: the SDK throws an APIError; we record state.error", async () => {
    const text = fixture("error-event.sse").text;
    await expect(sdkFinal(text)).rejects.toThrow(/server had an error/);
    expect(ours(text).error?.type).toBe("server_error");
  });

  it("cut stream: the SDK's final completion has no finish_reason; we report no clean finish", async () => {
    const text = fixture("cut-stream.sse").text;
    await expect(sdkFinal(text)).rejects.toThrow(/finish_reason/);
    const state = ours(text);
    expect(state.clean_finish).toBe(false);
    expect(state.tool_calls[0]!.is_complete).toBe(false);
  });

  it("the raw stream iterator yields the same chunks we parse", async () => {
    const text = fixture("text-and-tool-calls.sse").text;
    const stream = await client(text).chat.completions.create({
      model: "fixture-model",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const events = sseEvents(text);
    expect(chunks).toEqual(events.slice(0, -1).map((e) => JSON.parse(e.data)));
  });
});
