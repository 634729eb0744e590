import type { MetaResult } from "@kiwi/kernel";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/**
 * Turns a meta-tool answer into an MCP tool result: one text block holding compact JSON. A Kiwi failure
 * (`{success:false, error:{code,…}}`) becomes a tool error (`isError: true`) carrying the same JSON, so
 * the model sees the stable `code` and the message that says what to fix. No `structuredContent`: the
 * tools declare no output schema, and repeating the JSON would double every response on the wire.
 */
export function toolResult(result: MetaResult): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(result) }],
    ...(result.success === false ? { isError: true } : {}),
  };
}
