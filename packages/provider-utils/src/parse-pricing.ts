import { KiwiError } from "@kiwi/spec";
import { parse } from "yaml";
import { checkModel, isDay, isRecord } from "./check-model";
import { checkTiers } from "./check-tiers";
import type { PricedModel, Pricing, PricingProblem } from "./pricing-types";

const ROOT_KEYS = ["version", "source", "retrieved", "tiers", "models"];

/**
 * Parses and validates pricing YAML. Every problem is collected; the error (`VALIDATION_FAILED`) names the
 * file and each field. YAML that does not parse is a `PARSE_ERROR` naming the file.
 */
export function parsePricing(text: string, file: string): Pricing {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new KiwiError({
      code: "PARSE_ERROR",
      message: `${file}: not valid YAML: ${(error as Error).message}`,
      context: { file },
      cause: error,
    });
  }
  const problems: PricingProblem[] = [];
  const models: PricedModel[] = [];
  let tiers: Record<string, string> = {};
  if (!isRecord(data)) {
    problems.push({ field: "", message: "must be a mapping with version, source, retrieved and models" });
  } else {
    if (data.version !== 1)
      problems.push({ field: "version", message: "must be 1 (the only format this package reads)" });
    if (typeof data.source !== "string" || data.source === "")
      problems.push({ field: "source", message: "must say where the prices come from" });
    if (!isDay(data.retrieved))
      problems.push({ field: "retrieved", message: 'must be a date written "YYYY-MM-DD"' });
    if (!Array.isArray(data.models) || data.models.length === 0) {
      problems.push({ field: "models", message: "must be a non-empty list of models" });
    } else {
      const names = new Set<string>();
      data.models.forEach((m, i) => {
        const model = checkModel(m, `models[${i}]`, names, problems);
        if (model) models.push(model);
      });
    }
    tiers = checkTiers(data.tiers, models, problems);
    for (const key of Object.keys(data)) {
      if (!ROOT_KEYS.includes(key)) problems.push({ field: key, message: "is not a known field" });
    }
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field || "(root)"} ${p.message}`).join("; ");
    throw new KiwiError({
      code: "VALIDATION_FAILED",
      message: `${file}: invalid pricing data: ${list}`,
      context: { file, issues: problems.map((p) => ({ file, ...p })) },
    });
  }
  const root = data as Record<string, unknown>;
  return {
    version: 1,
    source: root.source as string,
    retrieved: root.retrieved as string,
    tiers: Object.freeze(tiers),
    models,
  };
}
