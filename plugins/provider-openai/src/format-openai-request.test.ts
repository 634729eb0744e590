import type { NeutralMessage, ProviderRequest } from "@kiwi/spec";
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { formatOpenAIRequest } from "./format-openai-request";

const request = (messages: NeutralMessage[], extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: "gpt-4.1",
  system: "You are terse.",
  messages,
  tools: [],
  max_tokens: 1024,
  ...extra,
});

const weather = {
  name: "get_weather",
  description: "Current weather for a city.",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("formatOpenAIRequest", () => {
  it("a full tool round trip in the Chat Completions shape", () => {
    const params = formatOpenAIRequest(
      request(
        [
          { role: "user", content: "Weather in Paris and Tokyo?" },
          {
            role: "assistant",
            text: "Checking both.",
            tool_calls: [
              { id: "call_1", name: "get_weather", arguments: { city: "Paris" } },
              { id: "call_2", name: "get_weather", arguments: { city: "Tokyo", days: [1, 2] } },
            ],
          },
          {
            role: "tool",
            results: [
              { tool_call_id: "call_1", content: '{"temp_c":18}' },
              { tool_call_id: "call_2", content: "city service down", is_error: true },
            ],
          },
          { role: "assistant", text: "Paris is 18°C.", tool_calls: [] },
        ],
        { tools: [weather] },
      ),
    );
    expect(params).toEqual({
      model: "gpt-4.1",
      max_completion_tokens: 1024,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Weather in Paris and Tokyo?" },
        {
          role: "assistant",
          content: "Checking both.",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            {
              id: "call_2",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Tokyo","days":[1,2]}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: '{"temp_c":18}' },
        { role: "tool", tool_call_id: "call_2", content: "city service down" },
        { role: "assistant", content: "Paris is 18°C." },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: weather.description,
            parameters: weather.input_schema,
          },
        },
      ],
    });
    // The shape is what the official SDK accepts for a streaming request.
    const sdk: ChatCompletionCreateParamsStreaming = {
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    };
    expect(sdk.messages).toHaveLength(6);
  });

  it("a tool call without text sends content null", () => {
    const params = formatOpenAIRequest(
      request([{ role: "assistant", text: "", tool_calls: [{ id: "c", name: "f", arguments: {} }] }], {
        system: "",
      }),
    );
    expect(params.messages).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
      },
    ]);
  });

  it("no system message when the system prompt is empty; no tools key when there are no tools", () => {
    const params = formatOpenAIRequest(request([{ role: "user", content: "hi" }], { system: "" }));
    expect(params).toEqual({
      model: "gpt-4.1",
      max_completion_tokens: 1024,
      messages: [{ role: "user", content: "hi" }],
    });
    expect("tools" in params).toBe(false);
  });

  it("consecutive roles are kept as they are (Chat needs no merging); empty assistant messages are dropped", () => {
    const params = formatOpenAIRequest(
      request(
        [
          { role: "user", content: "one" },
          { role: "user", content: "two" },
          { role: "assistant", text: "", tool_calls: [] },
        ],
        { system: "" },
      ),
    );
    expect(params.messages).toEqual([
      { role: "user", content: "one" },
      { role: "user", content: "two" },
    ]);
  });

  it("arguments round-trip through the JSON text exactly", () => {
    const args = { text: 'quote " and \\ and é and \n', nested: { list: [1, null, true] } };
    const params = formatOpenAIRequest(
      request([{ role: "assistant", text: "", tool_calls: [{ id: "c", name: "f", arguments: args }] }]),
    );
    const message = params.messages[1];
    if (message?.role !== "assistant" || !message.tool_calls)
      throw new Error("expected an assistant tool call");
    expect(JSON.parse(message.tool_calls[0]!.function.arguments)).toEqual(args);
  });

  it("messages are assignable to the SDK's ChatCompletionMessageParam (type-level check)", () => {
    const messages: ChatCompletionMessageParam[] = formatOpenAIRequest(
      request([{ role: "user", content: "x" }]),
    ).messages;
    expect(messages).toHaveLength(2);
  });
});
