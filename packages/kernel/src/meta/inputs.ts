import { z } from "zod";
import { ITEM_TYPES } from "../items/item-type";

/**
 * Input schemas of the four meta-tools. They are the single source of truth for argument validation
 * in the kernel and for the JSON Schemas the MCP server advertises.
 */
const itemType = z.enum(ITEM_TYPES).describe("Which kind of item: directive, tool or knowledge.");

export const SPACE_SOURCES = ["project", "user", "core", "plugins", "registry", "local", "all"] as const;

export const searchInputShape = {
  item_type: itemType,
  query: z.string().max(1000).describe("Keywords matched against name, description, category and content."),
  source: z
    .enum(SPACE_SOURCES)
    .default("local")
    .describe(
      "Where to look: one space (project, user, core, plugins, registry), 'local' (every space but the registry) or 'all'.",
    ),
  limit: z.number().int().min(1).max(100).default(10).describe("Maximum number of results (1-100)."),
  project_path: z
    .string()
    .optional()
    .describe("Optional check: must be the project this server was started for; it never moves the project."),
};
export const searchInput = z.strictObject(searchInputShape);
export type SearchInput = z.input<typeof searchInput>;

export const loadInputShape = {
  item_type: itemType,
  item_id: z.string().min(1).max(200).describe("Item id (`name`) or `category/name`."),
  source: z
    .enum(["project", "user", "core", "plugins", "registry", "any"])
    .default("any")
    .describe("Space to read from; 'any' takes the first match in precedence order."),
  destination: z
    .enum(["project", "user"])
    .optional()
    .describe("Copy the verified item into this space. Omit to only read it."),
  project_path: searchInputShape.project_path,
};
export const loadInput = z.strictObject(loadInputShape);
export type LoadInput = z.input<typeof loadInput>;

export const EXECUTE_ACTIONS = ["run", "sign", "create", "update", "delete"] as const;

export const executeInputShape = {
  item_type: itemType,
  action: z
    .enum(EXECUTE_ACTIONS)
    .describe(
      "run: directive → its parsed instructions, tool → run its chain, knowledge → its content. sign: validate and sign (an id with * or ? signs a batch). create/update: write content, validate and sign. delete: remove (parameters.confirm=true).",
    ),
  item_id: z.string().min(1).max(200).describe("Item id, `category/name`, or a glob for batch signing."),
  parameters: z
    .record(z.string(), z.unknown())
    .default({})
    .describe(
      "run: the tool's parameters or the directive's inputs. create/update: {content, category?, location?}. sign: {location?}. delete: {confirm: true, location?}.",
    ),
  project_path: searchInputShape.project_path,
};
export const executeInput = z.strictObject(executeInputShape);
export type ExecuteInput = z.input<typeof executeInput>;

const EXECUTE_KEYS = new Set(Object.keys(executeInputShape));

/**
 * The common case of `executeInput`, checked by hand: `execute` runs on every tool call, and a zod parse
 * costs several microseconds when its code is not hot. Returns exactly what `executeInput.parse` would,
 * or undefined for anything unusual (unknown keys, wrong types, `__` parameter names, non-plain
 * objects), which then goes through zod for the same result or the same INVALID_INPUT issues.
 */
export function quickExecuteInput(raw: unknown): z.output<typeof executeInput> | undefined {
  if (typeof raw !== "object" || raw === null || Object.getPrototypeOf(raw) !== Object.prototype)
    return undefined;
  const input = raw as Record<string, unknown>;
  for (const key in input) if (!EXECUTE_KEYS.has(key)) return undefined;
  const { item_type, action, item_id, parameters, project_path } = input;
  if (item_type !== "tool" && item_type !== "directive" && item_type !== "knowledge") return undefined;
  if (typeof action !== "string" || !(EXECUTE_ACTIONS as readonly string[]).includes(action))
    return undefined;
  if (typeof item_id !== "string" || item_id.length < 1 || item_id.length > 200) return undefined;
  if (project_path !== undefined && typeof project_path !== "string") return undefined;
  let params: Record<string, unknown> = {};
  if (parameters !== undefined) {
    if (typeof parameters !== "object" || parameters === null) return undefined;
    const proto = Object.getPrototypeOf(parameters);
    if (proto !== Object.prototype && proto !== null) return undefined;
    if (Object.getOwnPropertySymbols(parameters).length) return undefined;
    for (const key in parameters) if (key.startsWith("__")) return undefined;
    params = { ...(parameters as Record<string, unknown>) };
  }
  const out = {
    item_type: item_type as (typeof ITEM_TYPES)[number],
    action: action as (typeof EXECUTE_ACTIONS)[number],
    item_id,
    parameters: params,
  };
  return "project_path" in input ? { ...out, project_path } : out;
}

export const HELP_ACTIONS = ["guidance", "stuck", "escalate", "checkpoint"] as const;

export const helpInputShape = {
  action: z
    .enum(HELP_ACTIONS)
    .default("guidance")
    .describe(
      "guidance: answers from knowledge. stuck, escalate, checkpoint: signals routed to the thread's handler.",
    ),
  topic: z.string().max(200).optional().describe("What you need guidance on, or what the signal is about."),
  reason: z
    .string()
    .max(4000)
    .optional()
    .describe("Why you are signalling (stuck/escalate) or what to record."),
};
export const helpInput = z.strictObject(helpInputShape);
export type HelpInput = z.input<typeof helpInput>;
