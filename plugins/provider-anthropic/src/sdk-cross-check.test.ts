// The official SDK as an oracle: the same recorded bytes go through `messages.stream().finalMessage()`
// (served by an injected fetch, no global patching) and through our parser; the results must agree.
import Anthropic from "@anthropic-ai/sdk";
import type { Message } from "@anthropic-ai/sdk/resources/messages";
import type { StreamState } from "@kiwi/spec";
import { sseEvents, sseFetch } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { createAnthropicStreamParser } from "./anthropic-stream-parser";
import { fixture } from "./test-fixtures";

async function sdkFinalMessage(text: string): Promise<Message> {
  const client = new Anthropic({
    apiKey: "test-key",
    baseURL: "http://fixture.invalid",
    maxRetries: 0,
    fetch: sseFetch(text),
  });
  return client.messages
    .stream({ model: "fixture-model", max_tokens: 1024, messages: [{ role: "user", content: "hi" }] })
    .finalMessage();
}

function ours(text: string): StreamState {
  const parser = createAnthropicStreamParser();
  for (const event of sseEvents(text)) parser.push(event);
  return parser.state;
}

/** The SDK's message reduced to what the neutral state carries. */
function neutralView(message: Message) {
  const text_blocks: string[] = [];
  const tool_calls: { id: string; name: string; arguments: unknown }[] = [];
  for (const block of message.content) {
    if (block.type === "text") text_blocks.push(block.text);
    else if (block.type === "tool_use")
      tool_calls.push({ id: block.id, name: block.name, arguments: block.input });
  }
  return {
    message_id: message.id,
    model: message.model,
    text_blocks,
    tool_calls,
    usage: {
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cache_read_tokens: message.usage.cache_read_input_tokens ?? 0,
      cache_creation_tokens: message.usage.cache_creation_input_tokens ?? 0,
    },
    stop_reason: message.stop_reason,
  };
}

describe("cross-check against @anthropic-ai/sdk MessageStream", () => {
  it.each(["text-only.sse", "text-and-tool-calls.sse"])(
    "%s: same text, tool inputs, usage, stop reason",
    async (name) => {
      const text = fixture(name).text;
      const sdk = neutralView(await sdkFinalMessage(text));
      const state = ours(text);
      expect({
        message_id: state.message_id,
        model: state.model,
        text_blocks: state.text_blocks,
        tool_calls: state.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
        usage: state.usage,
        stop_reason: state.stop_reason,
      }).toEqual(sdk);
      expect(state.clean_finish).toBe(true);
    },
  );

  it("broken tool JSON: the SDK repairs it with its partial-JSON parser; we refuse the call", async () => {
    const text = fixture("broken-tool-json.sse").text;
    const message = await sdkFinalMessage(text);
    const block = message.content[0];
    // The SDK closes the truncated object and hands back an input the model never finished writing…
    expect(block?.type === "tool_use" ? block.input : undefined).toEqual({ path: "a.txt", content: "x" });
    // …which is exactly what must never be executed: the neutral state marks the call as unparseable.
    const state = ours(text);
    expect(state.tool_calls[0]!.parse_error).toMatch(/not valid JSON/);
    expect(state.tool_calls[0]!.arguments).toBeUndefined();
    expect(state.stop_reason).toBe(message.stop_reason);
  });

  it.each(["cut-stream.sse", "error-event.sse"])(
    "%s: the SDK rejects finalMessage(); we report no clean finish",
    async (name) => {
      const text = fixture(name).text;
      await expect(sdkFinalMessage(text)).rejects.toThrow();
      expect(ours(text).clean_finish).toBe(false);
    },
  );
});
