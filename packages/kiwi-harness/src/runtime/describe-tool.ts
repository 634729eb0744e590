import type { Kernel } from "@kiwi/kernel";
import { fromToolFailure, type ToolSpec } from "@kiwi/spec";

interface LoadedTool {
  description?: string;
  parameters?: {
    name: string;
    type: string;
    required?: boolean;
    description?: string;
    enum?: unknown[];
  }[];
}

/** A tool's `ToolSpec` for a model: its description and a JSON Schema of its parameters, read through the kernel. */
export async function describeTool(
  kernel: Kernel,
  toolId: string,
  meta: Record<string, unknown>,
): Promise<ToolSpec> {
  const loaded = await kernel.load({ item_type: "tool", item_id: toolId }, { meta });
  if (!loaded.success) throw fromToolFailure(loaded);
  const data = (loaded.data ?? {}) as LoadedTool;
  const parameters = data.parameters ?? [];
  return {
    name: toolId,
    description: data.description ?? "",
    input_schema: {
      type: "object",
      properties: Object.fromEntries(
        parameters.map((p) => [
          p.name,
          {
            type: p.type,
            ...(p.description ? { description: p.description } : {}),
            ...(p.enum ? { enum: p.enum } : {}),
          },
        ]),
      ),
      required: parameters.filter((p) => p.required).map((p) => p.name),
    },
  };
}
