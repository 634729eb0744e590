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

/**
 * A tool's `ToolSpec` for a model: its description and a JSON Schema of its parameters, read through the
 * kernel by the runtime itself (like the directive it loads), not as a use of the `load` meta-tool by the
 * thread: a directive granting tools by id needs no `kiwi.load` for its harness to describe them. Running
 * one still needs the thread's `tool.execute` grant.
 */
export async function describeTool(kernel: Kernel, toolId: string): Promise<ToolSpec> {
  const loaded = await kernel.load({ item_type: "tool", item_id: toolId });
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
