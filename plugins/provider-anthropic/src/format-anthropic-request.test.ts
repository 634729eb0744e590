import type { MessageCreateParamsStreaming, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import type { NeutralMessage, ProviderRequest } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { formatAnthropicRequest } from "./format-anthropic-request";

const request = (messages: NeutralMessage[], extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: "claude-sonnet-4-5",
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

describe("formatAnthropicRequest", () => {
  it("a full tool round trip in the Messages API's shape", () => {
    const params = formatAnthropicRequest(
      request(
        [
          { role: "user", content: "Weather in Paris and Tokyo?" },
          {
            role: "assistant",
            text: "Checking both.",
            tool_calls: [
              { id: "toolu_1", name: "get_weather", arguments: { city: "Paris" } },
              { id: "toolu_2", name: "get_weather", arguments: { city: "Tokyo" } },
            ],
          },
          {
            role: "tool",
            results: [
              { tool_call_id: "toolu_1", content: '{"temp_c":18}' },
              { tool_call_id: "toolu_2", content: "city service down", is_error: true },
            ],
          },
          { role: "assistant", text: "Paris is 18°C; Tokyo is unknown.", tool_calls: [] },
        ],
        { tools: [weather] },
      ),
    );
    expect(params).toEqual({
      model: "claude-sonnet-4-5",
      system: "You are terse.",
      max_tokens: 1024,
      messages: [
        { role: "user", content: "Weather in Paris and Tokyo?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking both." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Tokyo" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: '{"temp_c":18}' },
            { type: "tool_result", tool_use_id: "toolu_2", content: "city service down", is_error: true },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "Paris is 18°C; Tokyo is unknown." }] },
      ],
      tools: [weather],
    });
    // The shape is what the official SDK accepts for a streaming request.
    const sdk: MessageCreateParamsStreaming = {
      ...params,
      tools: params.tools.map((t) => ({ ...t, input_schema: { type: "object", ...t.input_schema } })),
      stream: true,
    };
    expect(sdk.messages).toHaveLength(4);
  });

  it("a tool call without text has no empty text block", () => {
    const params = formatAnthropicRequest(
      request([
        { role: "user", content: "go" },
        { role: "assistant", text: "", tool_calls: [{ id: "t", name: "f", arguments: {} }] },
      ]),
    );
    expect(params.messages[1]).toEqual({
      role: "assistant",
      content: [{ type: "tool_use", id: "t", name: "f", input: {} }],
    });
  });

  it("tool results followed by a user message merge into one user turn, results first", () => {
    const params = formatAnthropicRequest(
      request([
        { role: "user", content: "go" },
        { role: "assistant", text: "", tool_calls: [{ id: "t", name: "f", arguments: {} }] },
        { role: "tool", results: [{ tool_call_id: "t", content: "ok" }] },
        { role: "user", content: "Also, stop after this." },
      ]),
    );
    expect(params.messages).toHaveLength(3);
    expect(params.messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "t", content: "ok" },
        { type: "text", text: "Also, stop after this." },
      ],
    });
  });

  it("an injected user message before the tool results still puts the results first", () => {
    const params = formatAnthropicRequest(
      request([
        { role: "assistant", text: "", tool_calls: [{ id: "t", name: "f", arguments: {} }] },
        { role: "user", content: "[interrupted]" },
        { role: "tool", results: [{ tool_call_id: "t", content: "interrupted" }] },
      ]),
    );
    expect(params.messages[1]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "t", content: "interrupted" },
        { type: "text", text: "[interrupted]" },
      ],
    });
  });

  it("consecutive user messages and consecutive assistant messages merge", () => {
    const params = formatAnthropicRequest(
      request([
        { role: "user", content: "one" },
        { role: "user", content: "two" },
        { role: "assistant", text: "a", tool_calls: [] },
        { role: "assistant", text: "b", tool_calls: [{ id: "t", name: "f", arguments: { x: 1 } }] },
      ]),
    );
    expect(params.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "one" },
          { type: "text", text: "two" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
          { type: "tool_use", id: "t", name: "f", input: { x: 1 } },
        ],
      },
    ]);
  });

  it("an empty assistant message is dropped and its neighbours merge", () => {
    const params = formatAnthropicRequest(
      request([
        { role: "user", content: "one" },
        { role: "assistant", text: "", tool_calls: [] },
        { role: "user", content: "two" },
      ]),
    );
    expect(params.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "one" },
          { type: "text", text: "two" },
        ],
      },
    ]);
  });

  it("does not mutate its input and gives the same result twice", () => {
    const messages: NeutralMessage[] = [
      { role: "user", content: "one" },
      { role: "user", content: "two" },
    ];
    const input = request(messages);
    const snapshot = structuredClone(input);
    const a = formatAnthropicRequest(input);
    const b = formatAnthropicRequest(input);
    expect(a).toEqual(b);
    expect(input).toEqual(snapshot);
  });

  it("messages are assignable to the SDK's MessageParam (type-level check)", () => {
    const messages: MessageParam[] = formatAnthropicRequest(
      request([{ role: "user", content: "x" }]),
    ).messages;
    expect(messages).toEqual([{ role: "user", content: "x" }]);
  });
});
