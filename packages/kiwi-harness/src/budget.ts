import type { Usage } from "@kiwi/spec";

/** The directive's `<cost>` element. */
export interface CostLimits {
  max_turns: number;
  on_exceeded: "stop" | "warn" | "escalate";
  max_input_tokens?: number;
  max_output_tokens?: number;
  max_total_tokens?: number;
  max_cost_usd?: number;
  max_context_tokens?: number;
  context_warning_threshold?: number;
  /** Fraction of the context limit at which the runtime compacts the conversation (off unless set). */
  compact_at?: number;
}

/** The cost so far in USD, or why it cannot be known. */
export type CostSoFar = { usd: number; unpriced: false } | { usd: null; unpriced: true };

/** The first cumulative limit the usage is over, as "X of Y" for the transcript. */
export function costExceeded(limits: CostLimits, usage: Usage, cost: CostSoFar): string | undefined {
  const total = usage.input_tokens + usage.output_tokens;
  if (limits.max_input_tokens !== undefined && usage.input_tokens > limits.max_input_tokens)
    return `${usage.input_tokens} of ${limits.max_input_tokens} input tokens`;
  if (limits.max_output_tokens !== undefined && usage.output_tokens > limits.max_output_tokens)
    return `${usage.output_tokens} of ${limits.max_output_tokens} output tokens`;
  if (limits.max_total_tokens !== undefined && total > limits.max_total_tokens)
    return `${total} of ${limits.max_total_tokens} tokens`;
  if (limits.max_cost_usd !== undefined && !cost.unpriced && cost.usd > limits.max_cost_usd)
    return `$${cost.usd.toFixed(4)} of $${limits.max_cost_usd.toFixed(4)}`;
  return undefined;
}

/** The context a single call may use: the directive's limit, else the model's window. */
export function contextLimit(limits: CostLimits | undefined, window: number | undefined): number | undefined {
  const a = limits?.max_context_tokens;
  if (a !== undefined && window !== undefined) return Math.min(a, window);
  return a ?? window;
}

/** Input tokens of one call, cached prefixes included: what occupies the context window. */
export function contextUsed(usage: Usage): number {
  return usage.input_tokens + usage.cache_read_tokens + usage.cache_creation_tokens;
}
