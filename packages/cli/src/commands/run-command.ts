import { parseArgs } from "node:util";
import { deniedGrant, type KernelMetaTools, type KernelSession, type MetaResult } from "@kiwi/kernel";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { askYesNo, canPrompt } from "../ask-terminal";
import { UsageError } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import { type Io, printError } from "../io";
import { reportResult } from "../report-result";
import { itemTypeArg } from "./search-command";

export function jsonObjectArg(raw: string | undefined, flag: string): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UsageError(`${flag} must be a JSON object, e.g. ${flag} '{"who":"Ada"}'`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UsageError(`${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** How many capabilities one command may ask the person for, one after another. */
const MAX_ASKS = 3;

/**
 * kiwi run <type> <id> [--params '{…}'] [--as <directive>] — execute(…, run, …) from the terminal. With
 * `--as`, the run acts under the directive's permissions (`kernel.as`); on a terminal, a denied
 * capability may be allowed for this one command; from a script (stdin not a TTY) nothing is asked.
 */
export async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, params: { type: "string" }, as: { type: "string" } },
  });
  const itemType = itemTypeArg(positionals[0]);
  const id = positionals[1];
  if (!id) throw new UsageError("kiwi run <type> <id> [--params JSON] [--as <directive>]");
  if (values.as !== undefined && !values.as.trim()) throw new UsageError("--as needs a directive id");
  const kernel = await kernelFrom(values, io);
  const session = values.as === undefined ? undefined : await kernel.as(values.as);
  const tools: KernelMetaTools = session ?? kernel;
  const input = {
    item_type: itemType,
    action: "run" as const,
    item_id: id,
    parameters: jsonObjectArg(values.params, "--params"),
  };
  // Running a tool by id is a direct call (its tool.execute grant decides, as for a harness's direct
  // tools); a directive or knowledge goes through the execute meta-tool, so --as needs kiwi.execute.
  const options = { direct: itemType === "tool" };
  // One span for the command (a no-op unless telemetry is on): the guard records its decision on it.
  const span = trace.getTracer("@kiwi/cli").startSpan(`execute_tool ${id}`, {
    attributes: {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": id,
      "gen_ai.tool.type": "function",
      "kiwi.item_type": itemType,
      ...(values.as !== undefined ? { "gen_ai.agent.name": values.as } : {}),
    },
  });
  try {
    const active = trace.setSpan(context.active(), span);
    const once = () => context.with(active, () => (session ?? tools).execute(input, options));
    let result = await once();
    if (session) result = await askAndRetry(io, session, result, once);
    if (!result.success) {
      span.setAttribute("error.type", result.error.code);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return reportResult(io, result, true);
  } finally {
    span.end();
  }
}

/** On a terminal, asks to allow each capability a denial names (this command only) and runs again. */
async function askAndRetry(
  io: Io,
  session: KernelSession,
  first: MetaResult,
  again: () => Promise<MetaResult>,
): Promise<MetaResult> {
  let result = first;
  for (let asked = 0; asked < MAX_ASKS; asked++) {
    const grant = deniedGrant(result);
    if (!grant || !(await session.canGrant(grant))) return result;
    const required = grant.scope === undefined ? grant.cap : `${grant.cap} ${String(grant.scope)}`;
    if (!canPrompt(io)) {
      printError(
        io,
        `${required} is not granted by ${session.directive}: add it to its permissions, or run this on a terminal to allow it once`,
      );
      return result;
    }
    if (!(await askYesNo(io, `${session.directive} does not grant ${required}. Allow it for this command?`)))
      return result;
    await session.grant(grant);
    result = await again();
  }
  return result;
}

/** kiwi load <type> <id> [--from any] [--to project|user] */
export async function loadCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, from: { type: "string" }, to: { type: "string" } },
  });
  const itemType = itemTypeArg(positionals[0]);
  const id = positionals[1];
  if (!id) throw new UsageError("kiwi load <type> <id> [--from space] [--to project|user]");
  const kernel = await kernelFrom(values, io);
  const result = await kernel.load({
    item_type: itemType,
    item_id: id,
    source: (values.from as "any") ?? "any",
    ...(values.to ? { destination: values.to as "project" } : {}),
  });
  return reportResult(io, result, values.json, (r) =>
    r.mode === "read_only"
      ? String(r.content)
      : `${r.copied ? "copied" : "already present"}: ${String(r.path)} (${String(r.reason ?? "verified")})`,
  );
}
