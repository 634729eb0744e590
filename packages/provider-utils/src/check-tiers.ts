import { MODEL_TIERS } from "@kiwi/spec";
import { isRecord } from "./check-model";
import type { PricedModel, PricingProblem } from "./pricing-types";

/**
 * Checks the `tiers` mapping of pricing data: only tier names Kiwi knows (a typo would silently never
 * apply), `balanced` present (hosts fall back to it), and every tier naming a model of this file that has
 * a price (a tier default must never run unpriced).
 */
export function checkTiers(
  raw: unknown,
  models: readonly PricedModel[],
  problems: PricingProblem[],
): Record<string, string> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    problems.push({ field: "tiers", message: "must be a mapping {tier: model id}" });
    return {};
  }
  const byName = new Map<string, PricedModel>();
  for (const model of models) for (const name of [model.id, ...model.aliases]) byName.set(name, model);
  const tiers: Record<string, string> = {};
  for (const [tier, model] of Object.entries(raw)) {
    const field = `tiers.${tier}`;
    if (!(MODEL_TIERS as readonly string[]).includes(tier)) {
      problems.push({ field, message: `is not a tier Kiwi knows (${MODEL_TIERS.join(", ")})` });
    } else if (typeof model !== "string" || model === "") {
      problems.push({ field, message: "must be a model id" });
    } else if (!byName.has(model)) {
      problems.push({ field, message: `names "${model}", which is not a model id or alias of this file` });
    } else if (byName.get(model)!.prices.length === 0) {
      problems.push({
        field,
        message: `names "${model}", which has no price: a tier default must be priced`,
      });
    } else tiers[tier] = model;
  }
  if (!("balanced" in raw))
    problems.push({ field: "tiers.balanced", message: "is missing: hosts fall back to the balanced tier" });
  return tiers;
}
