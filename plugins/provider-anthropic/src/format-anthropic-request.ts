import type { NeutralMessage, ProviderRequest } from "@kiwi/spec";

// Wire shapes of the Messages API, written out so the public types do not depend on the SDK (a dev
// dependency); format-anthropic-request.test.ts checks they are assignable to the SDK's param types.
export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string; is_error?: boolean };

export type AnthropicMessage = { role: "user" | "assistant"; content: string | AnthropicContentBlock[] };

export type AnthropicTool = { name: string; description: string; input_schema: Record<string, unknown> };

/** The parameters of `anthropic_thread` / `anthropic_messages` (besides `thread_id`). */
export type AnthropicRequestParams = {
  model: string;
  system: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  tools: AnthropicTool[];
};

function blocksOf(message: AnthropicMessage): AnthropicContentBlock[] {
  if (typeof message.content !== "string") return message.content;
  return message.content === "" ? [] : [{ type: "text", text: message.content }];
}

function assistantBlocks(message: Extract<NeutralMessage, { role: "assistant" }>): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  // The API refuses empty text blocks.
  if (message.text !== "") blocks.push({ type: "text", text: message.text });
  for (const call of message.tool_calls) {
    blocks.push({ type: "tool_use", id: call.id, name: call.name, input: call.arguments });
  }
  return blocks;
}

function resultBlocks(message: Extract<NeutralMessage, { role: "tool" }>): AnthropicContentBlock[] {
  return message.results.map((result) =>
    result.is_error
      ? { type: "tool_result", tool_use_id: result.tool_call_id, content: result.content, is_error: true }
      : { type: "tool_result", tool_use_id: result.tool_call_id, content: result.content },
  );
}

/** Adds blocks to a user turn; tool results go first, as the API wants them right after the tool use. */
function mergeUser(turn: AnthropicMessage, blocks: AnthropicContentBlock[]): void {
  const results: AnthropicContentBlock[] = [];
  const others: AnthropicContentBlock[] = [];
  for (const block of [...blocksOf(turn), ...blocks]) {
    (block.type === "tool_result" ? results : others).push(block);
  }
  turn.content = [...results, ...others];
}

/**
 * Builds the Messages API parameters from neutral messages. Consecutive turns of the same role are merged
 * into one (the API alternates user and assistant): tool results become `tool_result` blocks of a user
 * turn, placed before any text of that turn. An assistant message with neither text nor tool calls is
 * dropped, since the API refuses empty content.
 */
export function formatAnthropicRequest(request: ProviderRequest): AnthropicRequestParams {
  const turns: AnthropicMessage[] = [];
  for (const message of request.messages) {
    const last = turns.at(-1);
    if (message.role === "assistant") {
      const blocks = assistantBlocks(message);
      if (blocks.length === 0) continue;
      if (last?.role === "assistant") last.content = [...blocksOf(last), ...blocks];
      else turns.push({ role: "assistant", content: blocks });
    } else if (message.role === "user") {
      if (last?.role === "user") mergeUser(last, blocksOf({ role: "user", content: message.content }));
      else turns.push({ role: "user", content: message.content });
    } else {
      const blocks = resultBlocks(message);
      if (blocks.length === 0) continue;
      if (last?.role === "user") mergeUser(last, blocks);
      else turns.push({ role: "user", content: blocks });
    }
  }
  return {
    model: request.model,
    system: request.system,
    max_tokens: request.max_tokens,
    messages: turns,
    tools: request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.input_schema,
    })),
  };
}
