import { KiwiError } from "@kiwi/spec";
import type { Issue } from "../diagnostics";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import type { Directive } from "../parse/directive-parser";
import { directiveSpawnIssues } from "../parse/directive-spawn-issues";
import { itemView } from "./item-view";
import { readVerified } from "./resolve-item";

const TYPE_CHECK: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => typeof v === "number" && Number.isSafeInteger(v),
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/**
 * What a directive still lacks before it can run on a managed thread: the names (`cost`, `model`,
 * `permissions`) and an issue per name with its fix. The version is always valid once parsed.
 */
export function spawnRequirementsMissing(
  d: Directive,
  file = d.name,
): { missing: string[]; issues: Issue[] } {
  const issues = directiveSpawnIssues(d, file);
  return { missing: issues.map((i) => i.field.replace("metadata.", "")), issues };
}

function checkInputs(d: Directive, provided: Record<string, unknown>): Record<string, unknown> {
  const declared = new Map(d.inputs.map((i) => [i.name, i]));
  const unknown = Object.keys(provided).filter((k) => !declared.has(k));
  if (unknown.length) {
    throw new KiwiError({
      code: "PARAM_UNKNOWN",
      message: `directive ${d.name} has no input ${unknown.join(", ")}: its inputs are ${d.inputs.map((i) => i.name).join(", ") || "none"}`,
      context: { unknown, accepted: d.inputs.map((i) => i.name) },
    });
  }
  const out: Record<string, unknown> = {};
  const missing = [];
  for (const input of d.inputs) {
    const value = provided[input.name];
    if (value === undefined || value === null || value === "") {
      if (input.default !== undefined) out[input.name] = input.default;
      else if (input.required)
        missing.push({ name: input.name, type: input.type, description: input.description });
      continue;
    }
    if (!TYPE_CHECK[input.type]!(value)) {
      throw new KiwiError({
        code: "PARAM_INVALID",
        message: `input '${input.name}' of directive ${d.name} must be of type ${input.type}`,
        context: { input: input.name, expected: input.type },
      });
    }
    out[input.name] = value;
  }
  if (missing.length) {
    throw new KiwiError({
      code: "PARAM_MISSING",
      message: `directive ${d.name} needs input${missing.length > 1 ? "s" : ""} ${missing.map((m) => m.name).join(", ")}: pass them in parameters`,
      context: { missing_inputs: missing },
    });
  }
  return out;
}

/** What running a directive returns: the verified directive, its checked inputs, whether it can spawn. */
export type DirectiveRunResult = Awaited<ReturnType<typeof runDirective>>;

/**
 * `execute(directive, run, X)` returns the parsed, verified directive and whether it could run on a
 * thread. It never spawns anything: that decision belongs to the model and the thread tools.
 */
export async function runDirective(
  ctx: KernelContext,
  itemId: string,
  params: Record<string, unknown>,
  options: CallOptions,
) {
  const item = await readVerified(ctx, "directive", itemId);
  await ctx.authorizer?.({
    kind: "item.read",
    action: "run",
    itemType: "directive",
    itemId: item.id,
    category: item.category,
    meta: options.meta ?? {},
  });
  if (item.parsed.itemType !== "directive") throw new Error("unreachable");
  const d = item.parsed.data;
  const provided = checkInputs(d, params);
  const { missing, issues } = spawnRequirementsMissing(d, item.label);
  return {
    success: true as const,
    status: "ready",
    ...itemView(item),
    name: d.name,
    version: d.version,
    description: d.metadata.description,
    metadata: d.metadata,
    inputs: d.inputs,
    process: d.process,
    context: d.context,
    success_criteria: d.success_criteria,
    outputs: d.outputs,
    provided_inputs: provided,
    can_spawn_thread: missing.length === 0,
    spawn_requirements_missing: missing,
    ...(issues.length ? { spawn_issues: issues } : {}),
    instructions:
      "Follow each process step in order, using provided_inputs for matching input names. To run it on its own managed thread instead, call the thread_directive tool.",
  };
}
