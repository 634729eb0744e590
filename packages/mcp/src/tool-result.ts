import type { MetaResult } from "@kiwi/kernel";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/**
 * Turns a meta-tool answer into an MCP tool result. A Kiwi failure (`{success:false, error:{code,…}}`)
 * becomes a tool error (`isError: true`) carrying the same JSON, so the model sees the stable `code`
 * and the message that says what to fix, and a client can read it from `structuredContent`.
 */
export function toolResult(result: MetaResult): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(result, null, 2) }],
    structuredContent: result as unknown as Record<string, unknown>,
    ...(result.success === false ? { isError: true } : {}),
  };
}
