import { parseArgs } from "node:util";
import { UsageError } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import type { Io } from "../io";
import { reportResult } from "../report-result";
import { itemTypeArg } from "./search-command";

/** kiwi sign <type> <id|glob> [--location project|user]  ·  kiwi sign agents [--location …] */
export async function signCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, location: { type: "string" } },
  });
  const location = values.location ?? "project";
  if (location !== "project" && location !== "user")
    throw new UsageError("--location must be project or user");
  const kernel = await kernelFrom(values, io);
  if (positionals[0] === "agents") {
    return reportResult(
      io,
      await kernel.signSystemPrompt(location),
      values.json,
      (r) => `signed ${String(r.path)}`,
    );
  }
  const itemType = itemTypeArg(positionals[0]);
  const id = positionals[1];
  if (!id) throw new UsageError("kiwi sign <type> <id|glob> [--location project|user]");
  const result = await kernel.execute({
    item_type: itemType,
    action: "sign",
    item_id: id,
    parameters: { location },
  });
  return reportResult(io, result, values.json, (r) => {
    if (r.summary) {
      const failed = (r.failed as { item: string; error: { message: string } }[]).map(
        (f) => `  ✗ ${f.item}: ${f.error.message}`,
      );
      return [String(r.summary), ...failed].join("\n");
    }
    const sig = r.signature as { key_id: string; signed_at: string };
    return `signed ${String(r.path)} with ${sig.key_id} at ${sig.signed_at}`;
  });
}
