import { pinDigest } from "@kiwi/primitives";
import { MCP_PIN_FIELDS } from "./generate-tool-yaml";
import type { RemoteTool } from "./remote-tool";

/**
 * SHA-256 of a remote tool's definition (name, description, input schema) in canonical JSON: the pin a
 * generated tool carries. The same digest the rpc step's pin recomputes on every call, from one function.
 */
export function schemaHash(tool: RemoteTool): Promise<string> {
  return pinDigest(tool, MCP_PIN_FIELDS);
}
