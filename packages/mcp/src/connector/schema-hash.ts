import { createHash } from "node:crypto";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** SHA-256 of a remote tool's definition (name, description, input schema) in canonical JSON. */
export function schemaHash(tool: { name: string; description?: string; inputSchema?: unknown }): string {
  const body = JSON.stringify(
    canonical({ name: tool.name, description: tool.description ?? "", inputSchema: tool.inputSchema ?? {} }),
  );
  return createHash("sha256").update(body).digest("hex");
}
