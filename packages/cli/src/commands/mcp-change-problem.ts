import type { LibraryEntry } from "@kiwi/kernel";
import type { KiwiErrorObject } from "@kiwi/spec";

/**
 * A generated MCP tool that a connect found changed on its server (marked `mcp_tool.changed_sha256`): it
 * is disabled — every call stops at its pin with MCP_TOOLS_CHANGED — until the person approves the new
 * definition, so `kiwi validate` counts it as a problem.
 */
export function mcpChangeProblem(entry: LibraryEntry): KiwiErrorObject | undefined {
  const data = entry.record?.parsed.itemType === "tool" ? entry.record.parsed.data : undefined;
  if (data?.tool_type !== "mcp_tool") return undefined;
  const pin = (data.config as { mcp_tool?: Record<string, unknown>; mcp_server?: unknown }).mcp_tool;
  const seen = pin?.changed_sha256;
  if (typeof seen !== "string") return undefined;
  const server = String((data.config as { mcp_server?: unknown }).mcp_server ?? pin?.server ?? "");
  return {
    code: "MCP_TOOLS_CHANGED",
    message: `its definition changed on the MCP server ${server} (approved ${String(pin?.schema_sha256).slice(0, 12)}…, the server now shows ${seen.slice(0, 12)}…): it is disabled until you review it and run kiwi connect --name ${server} --approve`,
    retryable: false,
  };
}
