import type { MetaResult } from "@kiwi/kernel";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/**
 * The output schema every meta-tool declares: a Kiwi result is an object with `success`; the rest
 * depends on the call (`results` for search, `content` for load, a tool's own result…), so any other
 * field is allowed. Declaring it tells hosts (and the MCP Inspector) to show `structuredContent`.
 */
export const META_OUTPUT_SCHEMA = z.looseObject({
  success: z.boolean().describe("false when the call failed; then `error` holds {code, message}"),
});

/**
 * Turns a meta-tool answer into an MCP tool result: the JSON object Kiwi produces as `structuredContent`
 * (hosts show its fields), and the same JSON as one text block for hosts older than structured output
 * (MCP 2025-06-18). A Kiwi failure (`{success:false, error:{code,…}}`) becomes a tool error
 * (`isError: true`) carrying both, so the model sees the stable `code` and the message that says what to fix.
 */
export function toolResult(result: MetaResult): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(result) }],
    structuredContent: result as unknown as Record<string, unknown>,
    ...(result.success === false ? { isError: true } : {}),
  };
}
