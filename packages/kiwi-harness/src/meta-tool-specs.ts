import { executeInputShape, helpInputShape, loadInputShape, searchInputShape } from "@kiwi/kernel";
import type { ToolSpec } from "@kiwi/spec";
import { z } from "zod";

const DESCRIPTIONS = {
  search: "Find directives, tools or knowledge by keywords. Search before you load or execute anything.",
  load: "Read one item in full (a directive, tool or knowledge entry).",
  execute:
    "run a directive (returns its steps; you follow them), run a tool (returns its result) or read knowledge; sign, create, update or delete items.",
  help: "guidance answers from knowledge; stuck, escalate and checkpoint signal whoever supervises this thread.",
} as const;

function schemaOf(shape: Record<string, z.ZodType>): Record<string, unknown> {
  // project_path is a server-side check that means nothing inside a thread: the model never sees it.
  const { project_path: _ignored, ...rest } = shape;
  const json = z.toJSONSchema(z.object(rest), { io: "input" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

let cached: ToolSpec[] | undefined;

/** The four meta-tools, exactly, as the model sees them (built once: the schemas never change). */
export function metaToolSpecs(): ToolSpec[] {
  cached ??= build();
  return cached;
}

function build(): ToolSpec[] {
  return [
    { name: "search", description: DESCRIPTIONS.search, input_schema: schemaOf(searchInputShape) },
    { name: "load", description: DESCRIPTIONS.load, input_schema: schemaOf(loadInputShape) },
    {
      name: "execute",
      description: `Execute an item: ${DESCRIPTIONS.execute}`,
      input_schema: schemaOf(executeInputShape),
    },
    { name: "help", description: `Help: ${DESCRIPTIONS.help}`, input_schema: schemaOf(helpInputShape) },
  ];
}
