import { parseArgs } from "node:util";
import { ITEM_TYPES, type ItemType } from "@kiwi/kernel";
import { UsageError } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import type { Io } from "../io";
import { reportResult } from "../report-result";

interface Hit {
  id: string;
  category: string;
  space: string;
  score: number;
  status: string;
  description: string;
}

export function itemTypeArg(value: string | undefined): ItemType {
  if (!value || !(ITEM_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(`expected an item type (${ITEM_TYPES.join(", ")}), got '${value ?? ""}'`);
  }
  return value as ItemType;
}

function limitArg(raw: string | undefined): number {
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new UsageError(`--limit must be a whole number from 1 to 100, got '${raw}'`);
  return n;
}

/** kiwi search <type> [query…] [--source local] [--limit 10] */
export async function searchCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, source: { type: "string" }, limit: { type: "string" } },
  });
  const itemType = itemTypeArg(positionals[0]);
  const kernel = await kernelFrom(values, io);
  const result = await kernel.search({
    item_type: itemType,
    query: positionals.slice(1).join(" "),
    source: (values.source as "local") ?? "local",
    limit: limitArg(values.limit),
  });
  return reportResult(io, result, values.json, (r) => {
    const hits = r.results as Hit[];
    if (hits.length === 0) return `no ${itemType} matches (${kernel.projectRoot})`;
    return hits
      .map(
        (h) =>
          `${h.id.padEnd(28)} ${(h.category || "-").padEnd(14)} ${h.space.padEnd(8)} ${h.status === "ok" ? "" : `[${h.status}] `}${h.description.split("\n")[0]!.slice(0, 70)}`,
      )
      .join("\n");
  });
}
