/**
 * The id an MCP server is granted and checked by: its name with `-` as `_` (`server-everything` →
 * `server_everything`), the form its folder (`.ai/tools/mcp/<id>/`) and its tools' prefix already use, so
 * the tool-id pattern dialect (`docs`, `github_*`) applies to server names too.
 */
export function mcpServerId(name: string): string {
  return typeof name === "string" ? name.replace(/-/g, "_") : name;
}
