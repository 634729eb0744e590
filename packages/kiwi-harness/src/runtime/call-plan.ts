import { zeroUsage } from "@kiwi/agent-harness";
import type { Usage } from "@kiwi/spec";
import type { BudgetRoom, RoomBound, TreeSpend } from "@kiwi/threads";

/** Output tokens a call must be able to produce to be worth its input (or `max_tokens`, when lower). */
export const MIN_ANSWER_TOKENS = 64;

/** What the budget tree allows the next model call. */
export interface CallPlan {
  /** max_tokens it may ask for. */
  readonly maxTokens: number;
  /** What it holds in the tree until its usage is accounted: its estimated input and its output ceiling. */
  readonly hold: TreeSpend;
  /** The budget that leaves it no room (the call does not start), and what it would need. */
  readonly blocked?: { readonly bound: RoomBound; readonly dim: "usd" | "tokens"; readonly need: number };
}

/**
 * Plans one model call against the tree's room: its input is estimated as the last call's (a
 * conversation only grows), its output is lowered to what the tightest budget still pays for, and it is
 * blocked when that is less than `MIN_ANSWER_TOKENS`. USD bounds only bind a priced model.
 */
export function planCall(options: {
  room: BudgetRoom;
  maxTokens: number;
  estimate: Usage;
  price?: (usage: Usage) => { usd: number } | { unpriced: true };
  binds: (bound: RoomBound) => boolean;
}): CallPlan {
  const { room, maxTokens, estimate, binds } = options;
  const estTokens = estimate.input_tokens;
  let estUsd = 0;
  let perToken: number | undefined;
  if (options.price) {
    const input = options.price(estimate);
    const output = options.price({ ...zeroUsage(), output_tokens: 1_000_000 });
    if ("usd" in input && "usd" in output) {
      estUsd = input.usd;
      perToken = output.usd / 1_000_000;
    }
  }
  const floor = Math.min(MIN_ANSWER_TOKENS, maxTokens);
  let allowed = maxTokens;
  let blocked: CallPlan["blocked"];
  const tokens = room.tokens;
  if (tokens && binds(tokens)) {
    const out = Math.floor(tokens.left - estTokens);
    if (out < floor) blocked = { bound: tokens, dim: "tokens", need: estTokens + floor };
    else allowed = Math.min(allowed, out);
  }
  const usd = room.usd;
  if (!blocked && usd && binds(usd) && perToken !== undefined) {
    const spare = usd.left - estUsd;
    const out = perToken > 0 ? Math.floor(spare / perToken) : spare >= 0 ? allowed : -1;
    if (out < floor) blocked = { bound: usd, dim: "usd", need: estUsd + floor * perToken };
    else allowed = Math.min(allowed, out);
  }
  return {
    maxTokens: allowed,
    hold: { tokens: estTokens + allowed, usd: perToken !== undefined ? estUsd + allowed * perToken : 0 },
    ...(blocked ? { blocked } : {}),
  };
}
