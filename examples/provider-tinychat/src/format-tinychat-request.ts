import type { NeutralMessage, ProviderRequest } from "@kiwi/spec";
import type { TinychatRequestParams, TinychatTurn } from "./tinychat-wire";

function turnOf(message: NeutralMessage): TinychatTurn {
  switch (message.role) {
    case "user":
      return { role: "user", text: message.content };
    case "assistant":
      return {
        role: "model",
        text: message.text,
        calls: message.tool_calls.map((c) => ({ call_id: c.id, tool: c.name, input: c.arguments })),
      };
    case "tool":
      return {
        role: "results",
        results: message.results.map((r) => ({
          call_id: r.tool_call_id,
          output: r.content,
          error: r.is_error === true,
        })),
      };
  }
}

/**
 * `ProviderV1.formatRequest`: turns the harness's neutral request into the parameters of the thread tool,
 * i.e. the request body in Tinychat's own format. The kernel validates them against the tool's declared
 * parameters and templates them into `config.body`; nothing here talks to the network.
 */
export function formatTinychatRequest(request: ProviderRequest): TinychatRequestParams {
  return {
    model: request.model,
    instructions: request.system,
    limit: request.max_tokens,
    turns: request.messages.map(turnOf),
    functions: request.tools.map((t) => ({ name: t.name, about: t.description, schema: t.input_schema })),
  };
}
