import { parseArgs } from "node:util";
import { UsageError } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import type { Io } from "../io";
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

/** kiwi run <type> <id> [--params '{…}'] — execute(…, run, …) from the terminal. */
export async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, params: { type: "string" } },
  });
  const itemType = itemTypeArg(positionals[0]);
  const id = positionals[1];
  if (!id) throw new UsageError("kiwi run <type> <id> [--params JSON]");
  const kernel = await kernelFrom(values, io);
  const result = await kernel.execute({
    item_type: itemType,
    action: "run",
    item_id: id,
    parameters: jsonObjectArg(values.params, "--params"),
  });
  return reportResult(io, result, true);
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
