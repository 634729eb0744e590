import type { NeutralMessage, ProviderRequest } from "@kiwi/spec";

// Wire shapes of Chat Completions, written out so the public types do not depend on the SDK (a dev
// dependency); format-openai-request.test.ts checks they are assignable to the SDK's param types.
export type OpenAIToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };

export type OpenAIMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export type OpenAITool = {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
};

/** The parameters of `openai_thread` / `openai_chat` (besides `thread_id`). */
export type OpenAIRequestParams = {
  model: string;
  messages: OpenAIMessage[];
  max_completion_tokens: number;
  /** Left out when there are no tools: the API refuses an empty list, and the tool omits the key. */
  tools?: OpenAITool[];
};

function assistantMessage(
  message: Extract<NeutralMessage, { role: "assistant" }>,
): OpenAIMessage | undefined {
  if (message.tool_calls.length === 0) {
    return message.text === "" ? undefined : { role: "assistant", content: message.text };
  }
  return {
    role: "assistant",
    content: message.text === "" ? null : message.text,
    tool_calls: message.tool_calls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    })),
  };
}

/**
 * Builds the Chat Completions parameters from neutral messages: the system prompt first (when not empty),
 * one `tool` message per tool result, tool call arguments as JSON text. Chat Completions needs no merging
 * of consecutive roles. Chat has no error flag on a tool result, so `is_error` is carried by the content
 * alone. An assistant message with neither text nor tool calls is dropped.
 */
export function formatOpenAIRequest(request: ProviderRequest): OpenAIRequestParams {
  const messages: OpenAIMessage[] = [];
  if (request.system !== "") messages.push({ role: "system", content: request.system });
  for (const message of request.messages) {
    if (message.role === "user") messages.push({ role: "user", content: message.content });
    else if (message.role === "assistant") {
      const formatted = assistantMessage(message);
      if (formatted) messages.push(formatted);
    } else {
      for (const result of message.results) {
        messages.push({ role: "tool", tool_call_id: result.tool_call_id, content: result.content });
      }
    }
  }
  const params: OpenAIRequestParams = {
    model: request.model,
    messages,
    max_completion_tokens: request.max_tokens,
  };
  if (request.tools.length > 0) {
    params.tools = request.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
    }));
  }
  return params;
}
