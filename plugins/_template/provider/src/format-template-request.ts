import type { ProviderRequest } from "@kiwi/spec";
import type { TemplateMessage, TemplateRequestParams } from "./template-wire";

/**
 * `ProviderV1.formatRequest`: the neutral request → the thread tool's parameters in the API's format.
 * Pure (never mutates the request); the result must be JSON, because the kernel templates it into the
 * endpoint's body. Respect your API's rules here (role alternation, no empty text…).
 */
export function formatTemplateRequest(request: ProviderRequest): TemplateRequestParams {
  const messages: TemplateMessage[] = request.messages.flatMap((message): TemplateMessage[] => {
    if (message.role === "user") return [{ role: "user", content: message.content }];
    if (message.role === "assistant") {
      const tool_calls = message.tool_calls.map((c) => ({
        id: c.id,
        name: c.name,
        input: { ...c.arguments },
      }));
      return [{ role: "assistant", content: message.text, tool_calls }];
    }
    return message.results.map((r) => ({
      role: "tool",
      tool_call_id: r.tool_call_id,
      content: r.content,
      is_error: r.is_error === true,
    }));
  });
  return {
    model: request.model,
    system: request.system,
    messages,
    tools: request.tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.input_schema,
    })),
    max_tokens: request.max_tokens,
  };
}
